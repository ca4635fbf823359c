#!/usr/bin/env bash
# The whole test suite: once on SQLite, the browser tests (scripts/e2e.sh), the interfaces read
# by other systems' tools (scripts/interop.sh), once on PostgreSQL.
# PostgreSQL: SENTRA_TEST_POSTGRES_URL if set (a superuser URL; each test creates its own
# database), otherwise a throwaway cluster on a free port in a temporary folder, installing
# Debian's `postgresql` package first if it is missing. With CI=true the PostgreSQL run is mandatory.
# Last, scripts/test-ha.sh: the failover test and the suite on a highly available PostgreSQL
# (pg_auto_failover); SENTRA_TEST_HA=0 leaves it out.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/postgres.sh
. scripts/lib/postgres.sh
# shellcheck source=lib/apt.sh
. scripts/lib/apt.sh
trap stop_throwaway_postgres EXIT

# The report tests open the .xlsx reports in LibreOffice (Debian's libreoffice-calc-nogui) to
# check what a reader sees; with CI=true they fail without it.
if ! command -v soffice >/dev/null 2>&1; then
  echo "installing LibreOffice Calc (Debian package libreoffice-calc-nogui) ..." >&2
  apt_install --no-install-recommends libreoffice-calc-nogui \
    || echo "warning: LibreOffice could not be installed; the rendering checks are skipped" >&2
fi

# The SMTP server the message tests send to (aiosmtpd) and the interface checks' tools.
# shellcheck source=lib/venv.sh
. scripts/lib/venv.sh
if ensure_test_venv; then
  export SENTRA_TEST_PYTHON="$TEST_VENV/bin/python"
elif [ "${CI:-}" = "true" ]; then
  echo "error: the test tools from PyPI (interop/requirements.txt) could not be installed" >&2
  exit 1
else
  echo "warning: the test tools from PyPI could not be installed; the e-mail tests are skipped" >&2
fi

runner=(cargo test --workspace --all-targets)
if command -v cargo-nextest >/dev/null 2>&1; then
  runner=(cargo nextest run --workspace --all-targets --no-fail-fast)
fi

echo "== sentra tests on SQLite =="
env -u SENTRA_TEST_POSTGRES_URL "${runner[@]}"

echo "== browser tests (Chromium, axe-core, page weight) =="
scripts/e2e.sh

echo "== interfaces read by other systems' tools (ckanapi, rdflib, openapi-spec-validator, icalendar, prometheus_client) =="
scripts/interop.sh

if [ -z "${SENTRA_TEST_POSTGRES_URL:-}" ]; then
  if start_throwaway_postgres; then
    export SENTRA_TEST_POSTGRES_URL="$PG_ADMIN_URL"
  elif [ "${CI:-}" = "true" ]; then
    echo "error: PostgreSQL could not be started, and CI requires the PostgreSQL run" >&2
    exit 1
  else
    echo "warning: PostgreSQL not available; skipped the PostgreSQL run" >&2
    exit 0
  fi
fi

echo "== sentra tests on PostgreSQL =="
"${runner[@]}"

if [ "${SENTRA_TEST_HA:-1}" != 0 ]; then
  scripts/test-ha.sh
fi

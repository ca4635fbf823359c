#!/usr/bin/env bash
# The suite on a highly available PostgreSQL (issue 13): a pg_auto_failover monitor and two
# nodes (primary and synchronous standby) from Debian's packages on loopback, installed first if
# missing (scripts/lib/ha.sh). First the failover test (the primary is stopped mid-load; it
# measures the seconds without writes and checks that no acknowledged write is lost), then the
# whole suite through the multi-host URL Sentra is given in production
# (`postgres://h1:p1,h2:p2/db?target_session_attrs=read-write`), each test's database with its
# `umkm` table partitioned by province as `sentra partition` leaves it (SENTRA_TEST_PARTITION=1;
# the plain PostgreSQL pass of scripts/test.sh covers the unpartitioned schema). The
# single-server fault tests are left out: they start and restart a PostgreSQL of their own.
set -euo pipefail
# With CI=true a cluster that cannot start is an error, otherwise a warning.
cd "$(dirname "$0")/.."
# shellcheck source=lib/ha.sh
. scripts/lib/ha.sh
trap stop_ha_cluster EXIT

runner=(cargo test --workspace --all-targets --)
filter_failover=(failover::)
filter_rest=(--skip faults::)
if command -v cargo-nextest >/dev/null 2>&1; then
  runner=(cargo nextest run --workspace --all-targets --no-fail-fast)
  filter_failover=(-E 'test(failover::)' --no-capture)
  filter_rest=(-E 'not test(faults::) and not test(failover::)')
fi

started=$SECONDS
echo "== starting the highly available PostgreSQL (pg_auto_failover: monitor, primary, standby) =="
if ! start_ha_cluster; then
  if [ "${CI:-}" = "true" ]; then
    echo "error: the highly available PostgreSQL could not be started, and CI requires it" >&2
    exit 1
  fi
  echo "warning: the highly available PostgreSQL could not be started; skipped its run" >&2
  exit 0
fi
echo "cluster ready in $((SECONDS - started)) s: $HA_URL"
export SENTRA_TEST_POSTGRES_URL="$HA_URL" SENTRA_HA_CTL="$HA_CTL" SENTRA_HA_DIR="$HA_DIR"
export SENTRA_TEST_PARTITION="${SENTRA_TEST_PARTITION:-1}"

echo "== failover: the primary stopped under load =="
"${runner[@]}" "${filter_failover[@]}"

relax_ha_cluster || echo "warning: the cluster's health checks stay at the failover test's values" >&2
echo "== sentra tests on the highly available PostgreSQL =="
"${runner[@]}" "${filter_rest[@]}"

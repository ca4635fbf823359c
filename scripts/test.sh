#!/usr/bin/env bash
# The whole test suite: once on SQLite, once on PostgreSQL.
# PostgreSQL: SENTRA_TEST_POSTGRES_URL if set (a superuser URL; each test creates its own
# database), otherwise a throwaway cluster on a free port in a temporary folder, installing
# Debian's `postgresql` package first if it is missing. With CI=true the PostgreSQL run is mandatory.
set -euo pipefail
cd "$(dirname "$0")/.."

runner=(cargo test --workspace --all-targets)
if command -v cargo-nextest >/dev/null 2>&1; then
  runner=(cargo nextest run --workspace --all-targets --no-fail-fast)
fi

echo "== sentra tests on SQLite =="
env -u SENTRA_TEST_POSTGRES_URL "${runner[@]}"

pg_dir=""
pg_bin=""
cleanup() {
  if [ -n "$pg_dir" ] && [ -d "$pg_dir" ]; then
    if [ -f "$pg_dir/data/postmaster.pid" ]; then
      as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$pg_dir"
  fi
}
trap cleanup EXIT

as_pg() {
  # initdb and postgres refuse to run as root: use the postgres account then.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

find_pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

start_throwaway_postgres() {
  pg_bin="$(find_pg_bin)"
  if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
    echo "installing PostgreSQL (Debian package postgresql) ..."
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
    pg_bin="$(find_pg_bin)"
  fi
  [ -n "$pg_bin" ] || return 1
  pg_dir="$(mktemp -d /tmp/sentra-pg.XXXXXX)"
  [ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
  local port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
    -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
  export SENTRA_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

if [ -z "${SENTRA_TEST_POSTGRES_URL:-}" ]; then
  if ! start_throwaway_postgres; then
    if [ "${CI:-}" = "true" ]; then
      echo "error: PostgreSQL could not be started, and CI requires the PostgreSQL run" >&2
      exit 1
    fi
    echo "warning: PostgreSQL not available; skipped the PostgreSQL run" >&2
    exit 0
  fi
fi

echo "== sentra tests on PostgreSQL =="
"${runner[@]}"

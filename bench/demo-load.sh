#!/usr/bin/env bash
# Benchmark: `sentra demo --umkm N` into SQLite and into PostgreSQL, time and peak memory,
# beside the engines' own bulk loaders (sqlite3 .import, psql \copy) loading the very same rows
# from CSV in the same run: the floor each engine allows.
# Usage: bench/demo-load.sh [N]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
# shellcheck source=../scripts/lib/postgres.sh
. scripts/lib/postgres.sh
work="$(mktemp -d /tmp/sentra-bench.XXXXXX)"
chmod 755 "$work"
cleanup() { stop_throwaway_postgres; rm -rf "$work"; }
trap cleanup EXIT

command -v sqlite3 >/dev/null || apt_install sqlite3
[ -x /usr/bin/time ] || apt_install time
command -v psql >/dev/null || apt_install postgresql-client
cargo build --release -q -p sentra-cli
bin="$PWD/target/release/sentra"
start_throwaway_postgres
export SENTRA_LOG=error

rows=()
measure() { # label engine rows command...
  local label="$1" engine="$2" count="$3"; shift 3
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null
  read -r secs kb <"$work/time"
  rows+=("$(printf '%-34s %-10s %9s %9.1f %10.0f %9.0f' "$label" "$engine" "$count" "$secs" "$(echo "$count / $secs" | bc -l)" "$(echo "$kb / 1024" | bc -l)")")
}
command -v bc >/dev/null || apt_install bc

# Sentra, each into a fresh database (migrations and region data loaded first, not timed).
"$bin" migrate --database "sqlite://$work/sentra.db" >/dev/null
measure "sentra demo --umkm $n" sqlite "$n" "$bin" demo --region 36.74 --umkm "$n" --seed 1 --database "sqlite://$work/sentra.db"
psql -q "$PG_ADMIN_URL" -c "CREATE DATABASE sentra_bench" -c "CREATE DATABASE peer_bench"
pg_url="${PG_ADMIN_URL%/*}/sentra_bench"
"$bin" migrate --database "$pg_url" >/dev/null
measure "sentra demo --umkm $n" postgres "$n" "$bin" demo --region 36.74 --umkm "$n" --seed 1 --database "$pg_url"

# Peers: the same rows as CSV into empty copies of the same tables.
sqlite3 -csv "$work/sentra.db" "SELECT * FROM umkm" >"$work/umkm.csv"
sqlite3 -csv "$work/sentra.db" "SELECT * FROM umkm_documents" >"$work/docs.csv"
docs="$(wc -l <"$work/docs.csv")"
"$bin" migrate --database "sqlite://$work/peer.db" >/dev/null
cat >"$work/import.sql" <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
.mode csv
.import $work/umkm.csv umkm
.import $work/docs.csv umkm_documents
SQL
measure "peer: sqlite3 .import (+$docs docs)" sqlite "$n" sh -c "sqlite3 '$work/peer.db' <'$work/import.sql'"
peer_url="${PG_ADMIN_URL%/*}/peer_bench"
"$bin" migrate --database "$peer_url" >/dev/null
measure "peer: psql \\copy (+$docs docs)" postgres "$n" psql -q "$peer_url" \
  -c "\\copy umkm FROM '$work/umkm.csv' WITH (FORMAT csv)" \
  -c "\\copy umkm_documents FROM '$work/docs.csv' WITH (FORMAT csv)"

echo
printf '%-34s %-10s %9s %9s %10s %9s\n' "load" "engine" "rows" "seconds" "rows/s" "peak MB"
printf '%s\n' "${rows[@]}"
echo "(peak MB is the loading process's maximum RSS; PostgreSQL's server memory is not included)"

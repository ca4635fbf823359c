#!/usr/bin/env bash
# Benchmark (issue 13): a deployment of N demo UMKM made on SQLite, then moved to PostgreSQL
# with `sentra migrate-data` (copy, then every table's rows and checksum compared, and the audit
# chain verified), with time and peak memory; `sentra backup` of both for scale.
# Usage: bench/migrate-data.sh [N]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
# shellcheck source=../scripts/lib/postgres.sh
. scripts/lib/postgres.sh
work="$(mktemp -d /tmp/sentra-bench.XXXXXX)"
chmod 755 "$work"
cleanup() { stop_throwaway_postgres; rm -rf "$work"; }
trap cleanup EXIT

[ -x /usr/bin/time ] || apt_install time
command -v pg_dump >/dev/null || apt_install postgresql-client
cargo build --release -q -p sentra-cli
bin="$PWD/target/release/sentra"
start_throwaway_postgres
export SENTRA_LOG=error
cd "$work"

rows=()
measure() { # label command...
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>&1 || { cat "$work/out"; exit 1; }
  read -r secs kb <"$work/time"
  rows+=("$(printf '| %-44s | %9.1f | %8.0f |' "$label" "$secs" "$(echo "$kb / 1024" | bc -l)")")
  tail -n 3 "$work/out" | sed 's/^/    /'
}

src="sqlite://$work/lama/sentra.db"
dst="${PG_ADMIN_URL%/*}/sentra_baru"
psql -q "$PG_ADMIN_URL" -c "CREATE DATABASE sentra_baru"
measure "sentra demo --umkm $n (SQLite)" "$bin" demo --region 36.74 --umkm "$n" --seed 1 --database "$src"
measure "sentra backup (SQLite, VACUUM INTO)" "$bin" backup --database "$src" --to "$work/cadangan-sqlite"
measure "sentra migrate-data SQLite → PostgreSQL" "$bin" migrate-data --from "$src" --to "$dst"
measure "sentra backup (PostgreSQL, pg_dump)" "$bin" backup --database "$dst" --key-file "$work/lama/sentra.key" --to "$work/cadangan-pg"

echo
echo "N = $n UMKM"
echo "| step | seconds | peak MB |"
echo "|---|---:|---:|"
printf '%s\n' "${rows[@]}"
du -sh "$work/lama/sentra.db" "$work/cadangan-sqlite" "$work/cadangan-pg" | sed 's/^/    size: /'

#!/usr/bin/env bash
# Benchmark (issue 8): every dashboard page, report and cross-tab at N UMKM (3N products, 5N
# programme participations), served by `sentra serve` on SQLite and on PostgreSQL, beside
# DuckDB running the same aggregates on the same data (exported to CSV and Parquet) in the
# same run. Server time is curl's total on localhost, median of RUNS after one warm-up.
# Usage: bench/dashboard.sh [N] [RUNS]   (default 1000000, 5). KEEP=1 keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
runs="${2:-5}"
# shellcheck source=../scripts/lib/postgres.sh
. scripts/lib/postgres.sh  # as_pg, find_pg_bin, apt_install
# REUSE=FOLDER times again on a folder kept by KEEP=1 (its data prepared and exported).
work="${REUSE:-$(mktemp -d /tmp/sentra-dash.XXXXXX)}"
chmod 755 "$work"
cleanup() {
  # Servers started in subshells leave their pid in the work folder.
  for f in "$work"/serve-*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; rm -f "$f"; done
  stop_throwaway_postgres
  [ "${KEEP:-}" = 1 ] || [ -n "${REUSE:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

command -v sqlite3 >/dev/null || apt_install sqlite3
command -v psql >/dev/null || apt_install postgresql-client
command -v curl >/dev/null || apt_install curl
python3 -c "import duckdb" 2>/dev/null || pip install -q duckdb
cargo build --release -q -p sentra-cli
bin="$PWD/target/release/sentra"
export SENTRA_LOG=error
[ -f "$work/key" ] || python3 -c 'import secrets; print(secrets.token_hex(32))' >"$work/key"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Fills a database: the businesses (with their documents) by `sentra demo`, the rest by SQL.
prepare() { # url sql-runner...
  local url="$1"; shift
  local t0=$SECONDS
  "$bin" migrate --database "$url" --key-file "$work/key" >/dev/null
  "$bin" demo --region 36.74 --umkm "$n" --seed 1 --database "$url" --key-file "$work/key" \
    --search-dir "$work/search-$RANDOM" >/dev/null
  "$@" <bench/dashboard-products.sql >/dev/null
  "$@" <bench/dashboard-data.sql >/dev/null
  echo "  prepared $url in $((SECONDS - t0)) s" >&2
}

# Starts a server on the database and prints "port token".
serve() { # url
  local port token
  port="$(free_port)"
  printf 'bench-password-123\n' | "$bin" user add --name Bench --login "bench-$port@example.id" \
    --role admin --scope 36.74 --database "$1" --key-file "$work/key" >/dev/null
  token="$("$bin" user token "bench-$port@example.id" --database "$1" --key-file "$work/key" | tail -n 1)"
  "$bin" serve --listen "127.0.0.1:$port" --database "$1" --key-file "$work/key" \
    --search-dir "$work/search-serve-$port" >"$work/serve-$port.log" 2>&1 &
  echo "$!" >"$work/serve-$port.pid"
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 1
  done
  echo "$port $token"
}

pages=(
  "dashboard (kota)|/dasbor?tahun=2026"
  "dashboard (kecamatan)|/dasbor?wilayah=36.74.03&tahun=2026"
  "report: summary per kecamatan|/laporan?jenis=wilayah&wilayah=36.74"
  "report: summary per kecamatan .xlsx|/laporan/laporan.xlsx?jenis=wilayah&wilayah=36.74"
  "cross-tab: kecamatan × size, sales|/laporan?jenis=silang&wilayah=36.74&baris=region&kolom=size&ukuran=sales"
  "cross-tab: sector × year entered, count|/laporan?jenis=silang&wilayah=36.74&baris=sector&kolom=registered&ukuran=count"
  "open data per kelurahan (current)|/data/umkm-per-wilayah.csv?tingkat=kelurahan"
  "open data per kecamatan (end of 2025)|/data/umkm-per-wilayah.csv?tahun=2025"
  "programme reach page (2026)|/kegiatan/jangkauan?tahun=2026"
)

# Median server time (ms) of each page: "name<TAB>ms" lines.
time_pages() { # port token
  for p in "${pages[@]}"; do
    local name="${p%%|*}" path="${p#*|}" times=()
    local status
    status="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $2" "http://127.0.0.1:$1$path")"
    if [ "$status" != 200 ]; then
      # The server gives up after 30 s (503): recorded as such, not as a time.
      echo "warning: $path answered $status" >&2
      printf '%s\t%s\n' "$name" "-1"
      continue
    fi
    for _ in $(seq 1 "$runs"); do
      times+=("$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $2" "http://127.0.0.1:$1$path")")
    done
    printf '%s\t%s\n' "$name" "$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]*1000}')"
  done
}

sqlite_url="sqlite://$work/sentra.db"
# PostgreSQL in the work folder, so that KEEP=1 keeps it for REUSE.
pg_dir="$work/pg"
pg_bin="$(find_pg_bin)"
[ -n "$pg_bin" ] || { apt_install postgresql; pg_bin="$(find_pg_bin)"; }
fresh=0
if [ ! -d "$pg_dir/data" ]; then
  fresh=1
  mkdir -p "$pg_dir"
  if [ "$(id -u)" = 0 ]; then chown postgres "$pg_dir"; fi
  as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
fi
pg_port="$(free_port)"
as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=1GB" start >/dev/null
stop_throwaway_postgres() { as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true; }
pg_admin="postgres://postgres@127.0.0.1:$pg_port/postgres"
pg_url="postgres://postgres@127.0.0.1:$pg_port/sentra_bench"

if [ "$fresh" = 1 ]; then
  echo "== preparing $n UMKM on SQLite and PostgreSQL ==" >&2
  prepare "$sqlite_url" sqlite3 "$work/sentra.db"
  psql -q "$pg_admin" -c "CREATE DATABASE sentra_bench"
  prepare "$pg_url" psql -q -v ON_ERROR_STOP=1 "$pg_url"
  psql -q "$pg_url" -c "VACUUM ANALYZE"
  sqlite3 "$work/sentra.db" "ANALYZE"

  echo "== exporting for DuckDB ==" >&2
  export_csv() { sqlite3 -header -csv "$work/sentra.db" "$2" >"$work/$1.csv"; }
  export_csv umkm "SELECT id, village_code, district_code, regency_code, sector_code, COALESCE(size_class, '') AS size_class, status, owner_sex, CAST(substr(created_at, 1, 4) AS INTEGER) AS entered_year, COALESCE(employees_male, 0) + COALESCE(employees_female, 0) AS employees, COALESCE(modal_rupiah, 0) AS modal, COALESCE(annual_sales_rupiah, 0) AS sales FROM umkm WHERE merged_into IS NULL"
  export_csv docs "SELECT umkm_id, kind, CASE WHEN issued_on IS NULL OR issued_on = '' THEN 0 ELSE CAST(substr(issued_on, 1, 4) AS INTEGER) END AS issued_year FROM umkm_documents"
  export_csv participants "SELECT activity_id, umkm_id, state FROM activity_participants"
  export_csv activities "SELECT id, starts_at FROM activities"
  export_csv milestones "SELECT umkm_id, milestone, year FROM growth_milestones"
  export_csv reports "SELECT umkm_id, year FROM growth_reports"
  export_csv events "SELECT umkm_id, year, up FROM size_class_events"
fi
# Migrations added since the data was prepared (REUSE) run on the servers' start.
counts="$(sqlite3 "$work/sentra.db" "SELECT (SELECT COUNT(*) FROM umkm) || ' UMKM, ' || (SELECT COUNT(*) FROM products) || ' products, ' || (SELECT COUNT(*) FROM activity_participants) || ' participations'")"
echo "  $counts" >&2
echo "== timing ==" >&2
read -r sport stoken < <(serve "$sqlite_url")
read -r pport ptoken < <(serve "$pg_url")
time_pages "$sport" "$stoken" >"$work/sqlite.tsv"
time_pages "$pport" "$ptoken" >"$work/postgres.tsv"
python3 bench/dashboard_duckdb.py "$work" "$runs" >"$work/duckdb.tsv"

echo
echo "Dashboards at $counts; median of $runs, ms"
echo
echo "| page | SQLite | PostgreSQL | DuckDB (same aggregates) | SQLite / DuckDB | PostgreSQL / DuckDB |"
echo "|---|---:|---:|---:|---:|---:|"
paste "$work/sqlite.tsv" "$work/postgres.tsv" "$work/duckdb.tsv" |
  awk -F'\t' '{ printf "| %s | %.1f | %.1f | %.1f | %.1f× | %.1f× |\n", $1, $2, $4, $6, $2/$6, $4/$6 }'

#!/usr/bin/env bash
# Benchmark (issue 30): a whole province on one server. N UMKM over Banten's kabupaten/kota
# (`sentra demo --region 36`, with N×0.3 products), 20,000 activities with 5N participations and
# naik-kelas records for one business in five (bench/dashboard-data.sql), on SQLite and on
# PostgreSQL; every signed-in page timed for a province admin, a kabupaten admin and a kecamatan
# operator (median and the slowest of RUNS after a warm-up), the registry list and storefronts
# under load (wrk, on the same two cores as the server), and in the same run the peers: DuckDB
# running the same aggregates on the same data, and the plain SQL page-plus-count a hand-written
# list would run. Prints the tables for docs/BENCHMARKS.md.
# Usage: bench/province.sh [N] [RUNS]   (default 1000000, 7). KEEP=1 keeps the work folder;
# REUSE=FOLDER times again on a kept folder (its data made once, there if it is new);
# PREPARE_ONLY=1 stops after making the data (to time it later on a quiet machine); ENGINES=sqlite
# or ENGINES=postgres times one engine only.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
runs="${2:-7}"
# shellcheck source=../scripts/lib/postgres.sh
. scripts/lib/postgres.sh  # as_pg, find_pg_bin, apt_install
work="${REUSE:-$(mktemp -d /tmp/sentra-province.XXXXXX)}"
chmod 755 "$work"
cleanup() {
  for f in "$work"/serve-*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; rm -f "$f"; done
  stop_throwaway_postgres
  [ "${KEEP:-}" = 1 ] || [ -n "${REUSE:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

command -v sqlite3 >/dev/null || apt_install sqlite3
command -v psql >/dev/null || apt_install postgresql-client
command -v curl >/dev/null || apt_install curl
command -v wrk >/dev/null || apt_install wrk
[ -x /usr/bin/time ] || apt_install time
python3 -c "import duckdb" 2>/dev/null || pip install -q duckdb
cargo build --release -q -p sentra-cli
bin="$PWD/target/release/sentra"
export SENTRA_LOG=error
[ -f "$work/key" ] || python3 -c 'import secrets; print(secrets.token_hex(32))' >"$work/key"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Fills a database: businesses, documents and products by `sentra demo` (timed: the target is
# under 10 minutes), programmes and naik kelas by SQL.
prepare() { # engine url sql-runner...
  local engine="$1" url="$2"; shift 2
  "$bin" migrate --database "$url" --key-file "$work/key" >/dev/null
  /usr/bin/time -f "%e %M" -o "$work/demo-$engine.time" \
    "$bin" demo --region 36 --umkm "$n" --products "$((n * 3 / 10))" --seed 1 \
    --database "$url" --key-file "$work/key" --search-dir "$work/search-$engine" >/dev/null
  if [ "$engine" = postgres ]; then
    # PostgreSQL fires the reach rollup's row trigger once per participation after the whole
    # INSERT (5,000,000 PL/pgSQL calls: still running after 17 minutes). The bench loads them
    # as a bulk loader would — trigger off — and lets Sentra count the rollup as on a first
    # start: with no calendar years, the next command refills them and the reach rollups from
    # the participations recorded (schema::rollup::reach::fill_reach_rollup).
    { echo "ALTER TABLE activity_participants DISABLE TRIGGER reach_participant;"
      cat bench/dashboard-data.sql
      echo "ALTER TABLE activity_participants ENABLE TRIGGER reach_participant;"
      echo "TRUNCATE reach_rollup, reach_village, reach_topic; DELETE FROM calendar_years;"
    } | "$@" >/dev/null
    "$bin" migrate --database "$url" --key-file "$work/key" >/dev/null
  else
    "$@" <bench/dashboard-data.sql >/dev/null
  fi
}

sqlite_url="sqlite://$work/sentra.db"
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
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=1GB -c max_connections=300" start >/dev/null
stop_throwaway_postgres() { as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true; }
pg_admin="postgres://postgres@127.0.0.1:$pg_port/postgres"
pg_url="postgres://postgres@127.0.0.1:$pg_port/sentra_bench"

if [ "$fresh" = 1 ]; then
  echo "== preparing $n UMKM over province 36 on SQLite and PostgreSQL ==" >&2
  prepare sqlite "$sqlite_url" sqlite3 "$work/sentra.db"
  psql -q "$pg_admin" -c "CREATE DATABASE sentra_bench"
  prepare postgres "$pg_url" psql -q -v ON_ERROR_STOP=1 "$pg_url"
  # The statistics after the SQL above, as Sentra keeps them after its own bulk loads: in full
  # (decision 0037; sampled, SQLite planned the province's expiry list at 10 s instead of 0.2).
  psql -q "$pg_url" -c "VACUUM ANALYZE"
  sqlite3 "$work/sentra.db" "PRAGMA analysis_limit = 0; ANALYZE"
  echo "== exporting for DuckDB ==" >&2
  export_csv() { sqlite3 -header -csv "$work/sentra.db" "$2" >"$work/$1.csv"; }
  export_csv umkm "SELECT id, province_code, regency_code, district_code, village_code, sector_code, COALESCE(size_class, '') AS size_class, status, owner_sex, CAST(substr(created_at, 1, 4) AS INTEGER) AS entered_year, COALESCE(employees_male, 0) + COALESCE(employees_female, 0) AS employees, COALESCE(modal_rupiah, 0) AS modal, COALESCE(annual_sales_rupiah, 0) AS sales FROM umkm WHERE merged_into IS NULL"
  export_csv docs "SELECT umkm_id, kind, COALESCE(expires_on, '') AS expires_on FROM umkm_documents"
  export_csv participants "SELECT activity_id, umkm_id, state FROM activity_participants"
  export_csv activities "SELECT id, starts_at FROM activities"
  export_csv milestones "SELECT umkm_id, milestone, year FROM growth_milestones"
fi
[ "${PREPARE_ONLY:-}" = 1 ] && { echo "data made in $work" >&2; KEEP=1; exit 0; }
# The kabupaten and the kecamatan with the most businesses.
regency="36.03"
district="$(sqlite3 "$work/sentra.db" "SELECT district_code FROM umkm WHERE regency_code = '$regency' GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1")"
# A storefront and a product page of each engine's data (the demo's slugs differ between them).
store_sql="SELECT u.store_slug FROM umkm u WHERE u.store_slug IS NOT NULL AND u.status = 'verified' AND EXISTS (SELECT 1 FROM products p WHERE p.umkm_id = u.id AND p.status = 'published') LIMIT 1"
product_sql="SELECT slug FROM products WHERE status = 'published' LIMIT 1"
counts="$(sqlite3 "$work/sentra.db" "SELECT (SELECT COUNT(*) FROM umkm) || ' UMKM, ' || (SELECT COUNT(*) FROM products) || ' products, ' || (SELECT COUNT(*) FROM activities) || ' activities, ' || (SELECT COUNT(*) FROM activity_participants) || ' participations'")"
echo "  $counts; kabupaten $regency, kecamatan $district" >&2

# Starts a server on the database with one account per role; prints "port token token token".
serve() { # url engine
  local port tokens=()
  port="$(free_port)"
  for who in "admin 36" "admin $regency" "operator $district"; do
    set -- $who
    local login="bench-$port-$1-$2@example.id"
    printf 'bench-password-123\n' | "$bin" user add --name Bench --login "$login" \
      --role "$1" --scope "$2" --database "$url" --key-file "$work/key" >/dev/null
    tokens+=("$("$bin" user token "$login" --database "$url" --key-file "$work/key" | tail -n 1)")
  done
  # The engine's search index, made with its data and kept, as a server keeps its own: a new
  # folder would be filled from the whole audit trail while the pages and the load are timed.
  "$bin" serve --listen "127.0.0.1:$port" --database "$url" --key-file "$work/key" \
    --search-dir "$work/search-$2" >"$work/serve-$port.log" 2>&1 &
  echo "$!" >"$work/serve-$port.pid"
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 1
  done
  echo "$port ${tokens[*]}"
}

stop_server() { kill "$(cat "$work/serve-$1.pid")" 2>/dev/null || true; rm -f "$work/serve-$1.pid"; }

echo "== timing ==" >&2
# ENGINES="sqlite" (or "postgres") times one engine again on a kept folder.
for engine in ${ENGINES:-sqlite postgres}; do
  if [ "$engine" = sqlite ]; then
    url="$sqlite_url"
    store="$(sqlite3 "$work/sentra.db" "$store_sql")"
    product="$(sqlite3 "$work/sentra.db" "$product_sql")"
  else
    url="$pg_url"
    store="$(psql -qtA "$pg_url" -c "$store_sql")"
    product="$(psql -qtA "$pg_url" -c "$product_sql")"
  fi
  read -r port t_province t_regency t_district < <(serve "$url" "$engine")
  python3 bench/province.py pages "$port" "$runs" "$regency" "$district" \
    "$t_province" "$t_regency" "$t_district" >"$work/pages-$engine.tsv"
  python3 bench/province.py load "$port" "$t_province" "$store" "$product" >"$work/load-$engine.tsv"
  stop_server "$port"
done
python3 bench/province.py duckdb "$work" "$runs" "$regency" "$district" >"$work/duckdb.tsv"
python3 bench/province.py plain "$work" "$runs" "$pg_url" "$regency" "$district" >"$work/plain.tsv"
python3 bench/province.py report "$work" "$counts" "$runs"

#!/usr/bin/env bash
# Benchmark (issue 13): `umkm` partitioned by province with `sentra partition`, against a plain
# copy of the same rows and indexes in the same database (the peer, measured in the same run).
# N demo UMKM spread over eight provinces on PostgreSQL. The registry's query shapes run on
# both, the partitioned one with the `province_code = …` condition that gives pruning: median
# of 7 runs of planning + execution time (EXPLAIN ANALYZE), in milliseconds. Look-ups by id
# alone are also timed as the server runs them: a prepared statement with its generic plan
# (sqlx keeps statements prepared per connection), and through `umkm_directory`.
# Usage: bench/partitioning.sh [N]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
# shellcheck source=../scripts/lib/postgres.sh
. scripts/lib/postgres.sh
# shellcheck source=lib/provinces.sh
. bench/lib/provinces.sh
work="$(mktemp -d /tmp/sentra-bench.XXXXXX)"
chmod 755 "$work"
cleanup() { stop_throwaway_postgres; rm -rf "$work"; }
trap cleanup EXIT

cargo build --release -q -p sentra-cli
bin="$PWD/target/release/sentra"
start_throwaway_postgres
export SENTRA_LOG=error
db="${PG_ADMIN_URL%/*}/sentra_bench"
psql -q "$PG_ADMIN_URL" -c "CREATE DATABASE sentra_bench"
cd "$work"

demo_provinces "$bin" "$n" "$db"

started=$SECONDS
# The peer: a plain copy with the same indexes.
psql -q -v ON_ERROR_STOP=1 "$db" <<'SQL'
CREATE TABLE umkm_plain (LIKE umkm INCLUDING ALL);
INSERT INTO umkm_plain SELECT * FROM umkm;
VACUUM ANALYZE umkm_plain;
SQL
echo "plain copy built in $((SECONDS - started)) s"
started=$SECONDS
"$bin" partition --database "$db"
partition_s=$((SECONDS - started))
psql -q "$db" -c "VACUUM ANALYZE umkm" -c "VACUUM ANALYZE umkm_directory"


regency="$(psql -Atq "$db" -c "SELECT regency_code FROM umkm WHERE province_code = '53' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")"
district="$(psql -Atq "$db" -c "SELECT district_code FROM umkm WHERE regency_code = '$regency' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")"
some_id="$(psql -Atq "$db" -c "SELECT id FROM umkm WHERE province_code = '53' ORDER BY id LIMIT 1 OFFSET 1000")"

# One query: its median planning + execution milliseconds over 7 runs.
median_ms() {
  local sql="$1" i times=()
  for i in 1 2 3 4 5 6 7; do
    times+=("$(psql -Atq "$db" -c "EXPLAIN (ANALYZE, FORMAT JSON) $sql" |
      python3 -c 'import json,sys; p=json.load(sys.stdin)[0]; print(p["Planning Time"]+p["Execution Time"])')")
  done
  printf '%s\n' "${times[@]}" | sort -g | sed -n 4p
}

rows=()
compare() { # label, SQL over table T with condition C, the plain condition, the partitioned one
  local label="$1" template="$2" plain="$3" parted="$4"
  local a b
  a="$(median_ms "$(echo "$template" | sed "s/{T}/umkm_plain/g; s/{C}/$plain/g")")"
  b="$(median_ms "$(echo "$template" | sed "s/{T}/umkm/g; s/{C}/$parted/g")")"
  rows+=("$(printf '| %-52s | %9.2f | %9.2f | %5.2f |' "$label" "$a" "$b" "$(echo "$a / $b" | bc -l)")")
}

p="province_code = '53'"
compare "list page of a kabupaten (20 by name)" \
  "SELECT id, name FROM {T} WHERE {C} AND merged_into IS NULL ORDER BY name LIMIT 20" \
  "regency_code = '$regency'" "$p AND regency_code = '$regency'"
compare "count in a kabupaten" \
  "SELECT count(*) FROM {T} WHERE {C} AND merged_into IS NULL" \
  "regency_code = '$regency'" "$p AND regency_code = '$regency'"
compare "count in a kecamatan" \
  "SELECT count(*) FROM {T} WHERE {C} AND merged_into IS NULL" \
  "district_code = '$district'" "$p AND district_code = '$district'"
compare "per kabupaten of a province (dashboard)" \
  "SELECT regency_code, count(*) FROM {T} WHERE {C} GROUP BY 1" \
  "$p" "$p"
compare "one sector in a province" \
  "SELECT count(*) FROM {T} WHERE {C} AND sector_code = 'kuliner'" \
  "$p" "$p"
compare "a business by id, province known" \
  "SELECT name FROM {T} WHERE {C}" \
  "id = '$some_id'" "$p AND id = '$some_id'"
compare "a business by id only (links, API)" \
  "SELECT name FROM {T} WHERE {C}" \
  "id = '$some_id'" "id = '$some_id'"
compare "national: per province" \
  "SELECT province_code, count(*) FROM {T} WHERE {C} GROUP BY 1" \
  "true" "true"
compare "a business by id only, through umkm_directory" \
  "SELECT name FROM {T} WHERE {C}" \
  "id = '$some_id'" \
  "id = '$some_id' AND province_code = (SELECT d.province_code FROM umkm_directory d WHERE d.id = '$some_id')"

# As the server runs it: prepared once, executed with the cached generic plan.
prepared_ms() { # table
  psql -Atq "$db" <<SQL | python3 -c 'import json,sys; t=sys.stdin.read(); p=json.loads(t[t.index("[\n"):])[0]; print(p["Planning Time"]+p["Execution Time"])'
SET plan_cache_mode = force_generic_plan;
PREPARE q(text) AS SELECT name FROM $1 WHERE id = \$1;
EXECUTE q('$some_id');
EXECUTE q('$some_id');
EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE q('$some_id');
SQL
}
median_prepared() {
  local i times=()
  for i in 1 2 3 4 5 6 7; do times+=("$(prepared_ms "$1")"); done
  printf '%s\n' "${times[@]}" | sort -g | sed -n 4p
}
a="$(median_prepared umkm_plain)"
b="$(median_prepared umkm)"
rows+=("$(printf '| %-52s | %9.2f | %9.2f | %5.2f |' "a business by id only, prepared (generic plan)" "$a" "$b" "$(echo "$a / $b" | bc -l)")")

echo
echo "N = $((per * ${#provinces[@]})) UMKM in ${#provinces[@]} provinces; kabupaten $regency, kecamatan $district"
echo "| query | plain ms | partitioned ms | plain ÷ partitioned |"
echo "|---|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo "sentra partition of $((per * ${#provinces[@]})) rows: ${partition_s} s"
psql -Atq "$db" -c "SELECT 'sizes: plain ' || pg_size_pretty(pg_total_relation_size('umkm_plain')) || ', partitioned ' || pg_size_pretty((SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'umkm'::regclass)) || ', directory ' || pg_size_pretty(pg_total_relation_size('umkm_directory'))"

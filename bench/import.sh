#!/usr/bin/env bash
# Benchmark of issue 5: a generated messy spreadsheet of N UMKM (2 % invalid rows, 1 % the same
# business again with small differences) imported by `sentra import` into SQLite and into
# PostgreSQL, as CSV and as XLSX; beside it, in the same run, the engines' own bulk loaders
# reading the same CSV into a bare all-text table (sqlite3 .import, psql \copy = COPY) and the
# rows Sentra wrote into tables with the registry's indexes (the target's peer); then the
# duplicate scan over the same file with precision and recall against the injected repeats.
# Usage: bench/import.sh [N]   (default 1000000). Prints a table.
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
command -v bc >/dev/null || apt_install bc
cargo build --release -q -p sentra-cli
bin="$PWD/target/release/sentra"
start_throwaway_postgres
export SENTRA_LOG=error

echo "generating $n rows ..." >&2
"$bin" demo-file --rows "$n" --seed 1 --out "$work/umkm.csv" --truth "$work/truth.csv" >/dev/null
"$bin" demo-file --rows "$n" --seed 1 --out "$work/umkm.xlsx" >/dev/null
mb() { echo "$(stat -c %s "$1") / 1048576" | bc; }

rows=()
measure() { # label engine command...
  local label="$1" engine="$2"; shift 2
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  read -r secs kb <"$work/time"
  last="$secs"
  rows+=("$(printf '%-40s %-9s %9s %9.1f %10.0f %9.0f' "$label" "$engine" "$n" "$secs" "$(echo "$n / $secs" | bc -l)" "$(echo "$kb / 1024" | bc -l)")")
}

# Sentra: every row read, mapped, validated, matched and checked for duplicates, then the valid
# ones written (drafts, audited), each into a fresh database (migrated first, not timed).
"$bin" migrate --database "sqlite://$work/csv.db" >/dev/null
measure "sentra import umkm.csv ($(mb "$work/umkm.csv") MB)" sqlite "$bin" import "$work/umkm.csv" --region 36.74 --database "sqlite://$work/csv.db"
sentra_sqlite="$last"
grep -E "Tersimpan" "$work/out" >&2
"$bin" migrate --database "sqlite://$work/xlsx.db" >/dev/null
measure "sentra import umkm.xlsx ($(mb "$work/umkm.xlsx") MB)" sqlite "$bin" import "$work/umkm.xlsx" --region 36.74 --database "sqlite://$work/xlsx.db"
psql -q "$PG_ADMIN_URL" -c "CREATE DATABASE sentra_bench" -c "CREATE DATABASE peer_bench"
pg_url="${PG_ADMIN_URL%/*}/sentra_bench"
"$bin" migrate --database "$pg_url" >/dev/null
measure "sentra import umkm.csv" postgres "$bin" import "$work/umkm.csv" --region 36.74 --database "$pg_url"
sentra_pg="$last"
measure "sentra import umkm.csv again (no-op)" postgres "$bin" import "$work/umkm.csv" --region 36.74 --database "$pg_url"
grep -E "Tersimpan" "$work/out" >&2

# Peers: the same CSV into a bare table of text columns, no checks.
cols="no TEXT, nama TEXT, pemilik TEXT, nik TEXT, hp TEXT, alamat TEXT, kecamatan TEXT, kelurahan TEXT, jenis TEXT, modal TEXT, omzet TEXT, tk_l TEXT, tk_p TEXT, nib TEXT"
sqlite3 "$work/peer.db" "CREATE TABLE umkm_raw ($cols)"
cat >"$work/import.sql" <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
.import --csv --skip 1 $work/umkm.csv umkm_raw
SQL
measure "peer: sqlite3 .import umkm.csv" sqlite sh -c "sqlite3 '$work/peer.db' <'$work/import.sql'"
peer_url="${PG_ADMIN_URL%/*}/peer_bench"
psql -q "$peer_url" -c "CREATE TABLE umkm_raw ($cols)"
measure "peer: psql \\copy umkm.csv (COPY)" postgres psql -q "$peer_url" \
  -c "\\copy umkm_raw FROM '$work/umkm.csv' WITH (FORMAT csv, HEADER true)"
# The same engines loading the rows Sentra wrote (exported, not timed) into tables with the
# registry's own columns and indexes — `umkm` with its twenty and `umkm_documents` with its
# five, no triggers, no checks: what the engine itself spends before anything Sentra adds. On
# SQLite the store link's unique index is an ordinary one (`.import` writes an empty text for
# a missing value, and every imported business has none yet).
sqlite3 -csv "$work/csv.db" "SELECT * FROM umkm" >"$work/umkm-rows.csv"
sqlite3 -csv "$work/csv.db" "SELECT * FROM umkm_documents" >"$work/docs-rows.csv"
sqlite3 "$work/csv.db" "SELECT sql || ';' FROM sqlite_master WHERE tbl_name IN ('umkm', 'umkm_documents') AND type IN ('table', 'index') AND sql IS NOT NULL" |
  sed 's/CREATE UNIQUE INDEX/CREATE INDEX/' >"$work/registry.sql"
sqlite3 "$work/registry.db" <"$work/registry.sql"
cat >"$work/import_registry.sql" <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
.import --csv $work/umkm-rows.csv umkm
.import --csv $work/docs-rows.csv umkm_documents
SQL
measure "peer: sqlite3 .import, registry indexes" sqlite sh -c "sqlite3 '$work/registry.db' <'$work/import_registry.sql' >/dev/null"
peer_sqlite="$last"
psql -q "$pg_url" -c "\\copy (SELECT * FROM umkm) TO '$work/pg-umkm.csv' WITH (FORMAT csv)" \
  -c "\\copy (SELECT * FROM umkm_documents) TO '$work/pg-docs.csv' WITH (FORMAT csv)" \
  -c "CREATE TABLE peer_umkm (LIKE umkm INCLUDING ALL)" \
  -c "CREATE TABLE peer_documents (LIKE umkm_documents INCLUDING ALL)"
measure "peer: psql \\copy, registry indexes" postgres psql -q "$pg_url" \
  -c "\\copy peer_umkm FROM '$work/pg-umkm.csv' WITH (FORMAT csv)" \
  -c "\\copy peer_documents FROM '$work/pg-docs.csv' WITH (FORMAT csv)"
peer_pg="$last"

# Duplicate detection over the same file.
measure "sentra duplicates umkm.csv" -- "$bin" duplicates "$work/umkm.csv" --truth "$work/truth.csv" --region 36.74 --database "sqlite://$work/csv.db"
dedup="$(tail -n 1 "$work/out")"
first="$(head -n 1 "$work/out")"

echo
printf '%-40s %-9s %9s %9s %10s %9s\n' "load" "engine" "rows" "seconds" "rows/s" "peak MB"
printf '%s\n' "${rows[@]}"
printf 'import / loader into the registry'"'"'s indexes: sqlite %.1f×, postgres %.1f× (target 3×)\n' \
  "$(echo "$sentra_sqlite / $peer_sqlite" | bc -l)" "$(echo "$sentra_pg / $peer_pg" | bc -l)"
echo "duplicates: $first"
echo "duplicates: $dedup"
echo "(peak MB is the loading process's maximum RSS; PostgreSQL's server memory is not included)"

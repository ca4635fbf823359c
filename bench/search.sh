#!/usr/bin/env bash
# Benchmark of issue 6: N generated products (`sentra demo --products N`, realistic Indonesian
# names and descriptions) in the catalogue; Sentra's search index built by `sentra reindex`;
# beside it, in the same run and on the same published products, the peers a deployment would
# pick instead: SQLite FTS5 and PostgreSQL full-text search (`indonesian` configuration, pg_trgm
# for typos). Then 1,250 queries (words, phrases, typos, inflected forms, facet filters) on each
# engine in-process, with recall@10; then Sentra's search and product pages over HTTP with wrk.
# Usage: bench/search.sh [N]   (default 1000000). Prints tables. SENTRA_BENCH_KEEP=1 keeps the
# data folder (then `sentra-bench run --misses typo ...` lists the queries that missed).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
# shellcheck source=../scripts/lib/postgres.sh
. scripts/lib/postgres.sh
work="$(mktemp -d /tmp/sentra-search-bench.XXXXXX)"
chmod 755 "$work"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  stop_throwaway_postgres
  if [ -n "${SENTRA_BENCH_KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

command -v sqlite3 >/dev/null || apt_install sqlite3
[ -x /usr/bin/time ] || apt_install time
command -v psql >/dev/null || apt_install postgresql-client
command -v bc >/dev/null || apt_install bc
command -v wrk >/dev/null || apt_install wrk
# SENTRA_BENCH_BIN_DIR: use sentra and sentra-bench already built there (and keep editing).
bins="${SENTRA_BENCH_BIN_DIR:-}"
if [ -z "$bins" ]; then
  cargo build --release -q -p sentra-cli -p sentra-bench
  bins="$PWD/target/release"
fi
bin="$bins/sentra"
bench="$bins/sentra-bench"
export SENTRA_LOG=error
db="sqlite://$work/sentra.db"
mb() { echo "$(du -sb "$1" | cut -f1) / 1048576" | bc; }

rows=()
measure() { # label count command...
  local label="$1" count="$2"; shift 2
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  read -r secs kb <"$work/time"
  last_secs="$secs"
  rows+=("$(printf '%-58s %9s %9.1f %10.0f %9.0f' "$label" "$count" "$secs" "$(echo "$count / $secs" | bc -l)" "$(echo "$kb / 1024" | bc -l)")")
}

echo "generating $n products ..." >&2
"$bin" migrate --database "$db" >/dev/null
# One to three products per business: about n/2 businesses.
"$bin" demo --region 36.74 --umkm $(( n / 2 + n / 100 + 10 )) --products "$n" --seed 1 --database "$db" >/dev/null
public="$(sqlite3 "$work/sentra.db" "SELECT COUNT(*) FROM products p JOIN umkm u ON u.id = p.umkm_id WHERE p.status = 'published' AND u.merged_into IS NULL")"

echo "indexing ..." >&2
measure "sentra reindex (reads the database, analyses, indexes)" "$public" \
  "$bin" reindex --database "$db" --search-dir "$work/index"
sizes=("sentra index: $(mb "$work/index") MB")

sqlite3 "$work/sentra.db" -csv "SELECT p.name, COALESCE(p.description, ''), p.category_code, u.district_code \
  FROM products p JOIN umkm u ON u.id = p.umkm_id WHERE p.status = 'published' AND u.merged_into IS NULL" >"$work/public.csv"
cat >"$work/fts.sql" <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE VIRTUAL TABLE fts USING fts5(name, description, category UNINDEXED, district UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
ATTACH '$work/sentra.db' AS s;
INSERT INTO fts SELECT p.name, COALESCE(p.description, ''), p.category_code, u.district_code
  FROM s.products p JOIN s.umkm u ON u.id = p.umkm_id WHERE p.status = 'published' AND u.merged_into IS NULL;
INSERT INTO fts(fts) VALUES ('optimize');
SQL
measure "sqlite3 fts5 build (insert + optimize)" "$public" sqlite3 "$work/fts.db" ".read $work/fts.sql"
sizes+=("sqlite fts5: $(mb "$work/fts.db") MB")

start_throwaway_postgres
psql -q "$PG_ADMIN_URL" -c "CREATE DATABASE peer"
pg_url="${PG_ADMIN_URL%/*}/peer"
cat >"$work/pg.sql" <<SQL
CREATE EXTENSION pg_trgm;
CREATE TABLE peer (name TEXT NOT NULL, description TEXT NOT NULL, category TEXT NOT NULL, district TEXT NOT NULL,
  tsv tsvector GENERATED ALWAYS AS (setweight(to_tsvector('indonesian', name), 'A')
    || setweight(to_tsvector('indonesian', description), 'B')) STORED);
\\copy peer (name, description, category, district) FROM '$work/public.csv' WITH (FORMAT csv)
CREATE INDEX peer_tsv ON peer USING gin (tsv);
CREATE INDEX peer_name_trgm ON peer USING gin (name gin_trgm_ops);
ANALYZE peer;
SQL
measure "postgresql copy + tsvector + gin + trigram gin" "$public" psql -q -v ON_ERROR_STOP=1 "$pg_url" -f "$work/pg.sql"
sizes+=("postgresql peer table + indexes: $(( $(psql -tA "$pg_url" -c "SELECT pg_total_relation_size('peer')") / 1048576 )) MB")

"$bench" queries --db "$db" --out "$work" >&2
"$bench" run --queries "$work/queries.tsv" --index "$work/index" --fts "$work/fts.db" --pg "$pg_url" >"$work/run.txt"

# Over HTTP: the server on the same database and index, wrk on the same two cores. Twice: as
# deployed (results kept until the catalogue changes; wrk cycles through the 1,250 queries, so
# most requests repeat an earlier one, as a public catalogue's do), and with nothing kept
# (--search-cache 0: every request searches).
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat >"$work/paths.lua" <<'LUA'
local paths = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = math.random(#paths)
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA
http=()
rss=()
for cache in 2000 0; do
  "$bin" serve --listen "127.0.0.1:$port" --database "$db" --search-dir "$work/index" --home-region 36.74 \
    --search-cache "$cache" >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$port/katalog" >/dev/null 2>&1 && break
    sleep 0.5
  done
  pages=(search product)
  [ "$cache" = 0 ] && pages=(search)
  for page in "${pages[@]}"; do
    label="$page page"
    [ "$page" = search ] && label="search page, search cache $cache"
    # Five seconds first, not counted: the index and database pages back in memory after the
    # peers' runs, as on a server that has been up (the in-process runs warm up the same way).
    wrk -t2 -c32 -d5s -s "$work/paths.lua" "http://127.0.0.1:$port" -- "$work/$page-paths.txt" >/dev/null
    wrk -t2 -c32 -d20s --latency -s "$work/paths.lua" "http://127.0.0.1:$port" -- "$work/$page-paths.txt" >"$work/wrk-$page.txt"
    rps="$(awk '/Requests\/sec/ {print $2}' "$work/wrk-$page.txt")"
    p50="$(awk '$1 == "50%" {print $2}' "$work/wrk-$page.txt")"
    p99="$(awk '$1 == "99%" {print $2}' "$work/wrk-$page.txt")"
    bad="$(awk '/Non-2xx/ {print $NF}' "$work/wrk-$page.txt")"
    http+=("$(printf '%-36s %10s %10s %10s %8s' "$label" "$rps" "$p50" "$p99" "${bad:-0}")")
  done
  rss+=("$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$server/status") MB (search cache $cache)")
  kill "$server"
  wait "$server" 2>/dev/null || true
  server=""
done

echo
echo "Search benchmark: $n products generated, $public public (published), $(nproc) cores"
echo
printf '%-58s %9s %9s %10s %9s\n' "indexing" "products" "seconds" "per second" "peak MB"
printf '%s\n' "${rows[@]}"
echo
printf 'size on disk: %s\n' "${sizes[@]}"
cat "$work/run.txt"
echo
printf '%-36s %10s %10s %10s %8s\n' "HTTP (wrk -t2 -c32 -d20s)" "req/s" "p50" "p99" "non-2xx"
printf '%s\n' "${http[@]}"
printf 'server peak memory (VmHWM): %s\n' "${rss[@]}"

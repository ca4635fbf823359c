#!/usr/bin/env bash
# Benchmark (issue 13): the server on a partitioned `umkm` (`sentra partition`) against the same
# server on the same rows unpartitioned, in the same run. N demo UMKM over eight provinces on
# PostgreSQL in database `plain`; `parted` is a copy of it (CREATE DATABASE … TEMPLATE) then
# partitioned. One `sentra serve` on each; a kabupaten admin and a province admin of NTT (53)
# ask the registry's API and pages. Server time is curl's total on localhost, median of RUNS
# after one warm-up, the two servers asked in turn.
# Usage: bench/partition-serve.sh [N] [RUNS]   (default 1000000, 15)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
runs="${2:-15}"
# shellcheck source=../scripts/lib/postgres.sh
. scripts/lib/postgres.sh
# shellcheck source=lib/provinces.sh
. bench/lib/provinces.sh
work="$(mktemp -d /tmp/sentra-partserve.XXXXXX)"
chmod 755 "$work"
cleanup() {
  for f in "$work"/serve-*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
  stop_throwaway_postgres
  rm -rf "$work"
}
trap cleanup EXIT
command -v curl >/dev/null || apt_install curl

cargo build --release -q -p sentra-cli
bin="$PWD/target/release/sentra"
export SENTRA_LOG=error
python3 -c 'import secrets; print(secrets.token_hex(32))' >"$work/key"
start_throwaway_postgres
plain="${PG_ADMIN_URL%/*}/plain"
parted="${PG_ADMIN_URL%/*}/parted"
psql -q "$PG_ADMIN_URL" -c "CREATE DATABASE plain"
cd "$work"

demo_provinces "$bin" "$n" "$plain" --key-file "$work/key"
psql -q "$plain" -c "VACUUM ANALYZE"
psql -q "$PG_ADMIN_URL" -c "CREATE DATABASE parted TEMPLATE plain"
started=$SECONDS
"$bin" partition --database "$parted" --key-file "$work/key"
echo "sentra partition: $((SECONDS - started)) s"
psql -q "$parted" -c "VACUUM ANALYZE"

regency="$(psql -Atq "$plain" -c "SELECT regency_code FROM umkm WHERE province_code = '53' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")"
district="$(psql -Atq "$plain" -c "SELECT district_code FROM umkm WHERE regency_code = '$regency' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")"
some_id="$(psql -Atq "$plain" -c "SELECT id FROM umkm WHERE regency_code = '$regency' ORDER BY id LIMIT 1 OFFSET 100")"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# An account of the scope with its API token: prints the token.
token_for() { # url scope
  local login="bench-${2//./-}@example.id"
  printf 'bench-password-123\n' | "$bin" user add --name Bench --login "$login" \
    --role admin --scope "$2" --database "$1" --key-file "$work/key" >/dev/null
  "$bin" user token "$login" --database "$1" --key-file "$work/key" | tail -n 1
}

serve() { # url -> port
  local port
  port="$(free_port)"
  "$bin" serve --listen "127.0.0.1:$port" --database "$1" --key-file "$work/key" \
    --search-dir "$work/search-$port" >"$work/serve-$port.log" 2>&1 &
  echo "$!" >"$work/serve-$port.pid"
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 1
  done
  echo "$port"
}

plain_port="$(serve "$plain")"
parted_port="$(serve "$parted")"
declare -A tok
for db in plain parted; do
  url="${PG_ADMIN_URL%/*}/$db"
  tok[$db-kab]="$(token_for "$url" "$regency")"
  tok[$db-prov]="$(token_for "$url" 53)"
done

# "label|who|path"
asks=(
  "a business by id (kabupaten admin)|kab|/api/v1/umkm/$some_id"
  "a business by id (province admin)|prov|/api/v1/umkm/$some_id"
  "list, first page (kabupaten admin)|kab|/api/v1/umkm?per_page=25"
  "list of a kecamatan (kabupaten admin)|kab|/api/v1/umkm?region=$district&per_page=25"
  "list, first page (province admin)|prov|/api/v1/umkm?per_page=25"
  "list, kuliner, sorted by sales (province admin)|prov|/api/v1/umkm?sector=kuliner&sort=sales&dir=desc&per_page=25"
  "registry page (kabupaten admin)|kab|/umkm"
  "dashboard (province admin)|prov|/dasbor"
)

ms() { # port token path
  curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $2" "http://127.0.0.1:$1$3"
}
median() { sort -g | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]*1000}'; }

echo
echo "N = $((per * ${#provinces[@]})) UMKM in ${#provinces[@]} provinces; kabupaten $regency, kecamatan $district; median of $runs"
echo "| request | plain ms | partitioned ms | plain ÷ partitioned |"
echo "|---|---:|---:|---:|"
for a in "${asks[@]}"; do
  label="${a%%|*}"; rest="${a#*|}"; who="${rest%%|*}"; path="${rest#*|}"
  for db in plain parted; do
    port=$plain_port; [ "$db" = parted ] && port=$parted_port
    status="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${tok[$db-$who]}" "http://127.0.0.1:$port$path")"
    [ "$status" = 200 ] || echo "warning: $db $path answered $status" >&2
  done
  : >"$work/a.txt"; : >"$work/b.txt"
  for _ in $(seq 1 "$runs"); do
    ms "$plain_port" "${tok[plain-$who]}" "$path" >>"$work/a.txt"; echo >>"$work/a.txt"
    ms "$parted_port" "${tok[parted-$who]}" "$path" >>"$work/b.txt"; echo >>"$work/b.txt"
  done
  a_ms="$(median <"$work/a.txt")"; b_ms="$(median <"$work/b.txt")"
  printf '| %-48s | %8s | %8s | %5.2f |\n' "$label" "$a_ms" "$b_ms" "$(echo "$a_ms / $b_ms" | bc -l)"
done

#!/usr/bin/env bash
# Benchmark (issue 32): the outbox's throughput. A broadcast to every consenting business of a
# city of N demo UMKM is queued through the API (messages queued a second), then handed to a
# local stand-in for the WhatsApp Cloud API (bench/outbox_endpoint.py) by one server and then
# by two servers on the same database (messages sent a second, the channel's rate limit off:
# `--message-rates whatsapp=0`), on SQLite and on PostgreSQL. The peer, in the same run: a bare
# keep-alive client posting the same number of messages to the same endpoint one after another
# — the ceiling of a sender that waits for each answer, as Sentra's does.
# Usage: bench/outbox.sh [N]   (default 40000 UMKM). KEEP=1 keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-40000}"
# shellcheck source=../scripts/lib/postgres.sh
. scripts/lib/postgres.sh  # as_pg, find_pg_bin, apt_install
work="$(mktemp -d /tmp/sentra-outbox.XXXXXX)"
chmod 755 "$work"
cleanup() {
  for f in "$work"/*.pid; do [ -f "$f" ] && { kill "$(cat "$f")" 2>/dev/null || true; rm -f "$f"; }; done
  stop_pg
  [ "${KEEP:-}" = 1 ] || rm -rf "$work"
}
stop_pg() { :; }
trap cleanup EXIT

command -v sqlite3 >/dev/null || apt_install sqlite3
command -v psql >/dev/null || apt_install postgresql-client
command -v curl >/dev/null || apt_install curl
cargo build --release -q -p sentra-cli
bin="$PWD/target/release/sentra"
export SENTRA_LOG=error
python3 -c 'import secrets; print(secrets.token_hex(32))' >"$work/key"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { python3 -c 'import time; print(time.time())'; }

endpoint_port="$(free_port)"
python3 bench/outbox_endpoint.py serve "$endpoint_port" &
echo "$!" >"$work/endpoint.pid"
endpoint="http://127.0.0.1:$endpoint_port/v21.0"
sent() { curl -fs "http://127.0.0.1:$endpoint_port/count"; }

# Every verified business with a phone agreed to WhatsApp on its registration form.
consent_sql="INSERT INTO contact_consents (umkm_id, channel, given_at, given_how, given_by) \
  SELECT id, 'whatsapp', '2026-01-01T00:00:00Z', 'form', 'bench' FROM umkm \
  WHERE status = 'verified' AND merged_into IS NULL AND owner_phone IS NOT NULL;"

prepare() { # url sql-runner...
  local url="$1"; shift
  "$bin" migrate --database "$url" --key-file "$work/key" >/dev/null
  "$bin" demo --region 36.74 --umkm "$n" --seed 1 --database "$url" --key-file "$work/key" \
    --search-dir "$work/search-$RANDOM" >/dev/null
  echo "$consent_sql" | "$@" >/dev/null
}

serve() { # url name
  local port
  port="$(free_port)"
  "$bin" serve --listen "127.0.0.1:$port" --database "$1" --key-file "$work/key" \
    --search-dir "$work/search-$2" --whatsapp-url "$endpoint" --whatsapp-phone-id 1055551234 \
    --whatsapp-token bench --sending-hours 0-24 --message-rates whatsapp=0 \
    --broadcast-limit 100000000 >"$work/serve-$2.log" 2>&1 &
  echo "$!" >"$work/serve-$2.pid"
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.5
  done
  echo "$port"
}

# Queues a broadcast of `text` to every consenting business; prints "messages seconds".
broadcast() { # port token text
  local reachable t0 t1
  reachable="$(curl -fs -X POST -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    -d "{\"text\": \"$3\"}" "http://127.0.0.1:$1/api/v1/broadcasts/preview" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["reachable"])')"
  t0="$(now)"
  curl -fs -o /dev/null -X POST -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    -d "{\"text\": \"$3\", \"expect\": $reachable}" "http://127.0.0.1:$1/api/v1/broadcasts"
  t1="$(now)"
  echo "$reachable $(python3 -c "print($t1 - $t0)")"
}

# Waits until the endpoint has `target` messages; prints the seconds since `t0`.
drained() { # target t0
  while [ "$(sent)" -lt "$1" ]; do sleep 0.05; done
  python3 -c "print($(now) - $2)"
}

measure() { # engine url
  local engine="$1" url="$2" port token q qs base t0 one two
  port="$(serve "$url" "$engine-a")"
  printf 'bench-password-123\n' | "$bin" user add --name Bench --login "bench-$engine@example.id" \
    --role admin --scope 36.74 --database "$url" --key-file "$work/key" >/dev/null
  token="$("$bin" user token "bench-$engine@example.id" --database "$url" --key-file "$work/key" | tail -n 1)"
  base="$(sent)"
  read -r q qs < <(broadcast "$port" "$token" "Pendaftaran bazar Ramadan dibuka ($engine, satu server).")
  t0="$(now)"
  one="$(drained $((base + q)) "$t0")"
  serve "$url" "$engine-b" >/dev/null
  base="$(sent)"
  read -r q qs2 < <(broadcast "$port" "$token" "Pelatihan pemasaran daring ($engine, dua server).")
  t0="$(now)"
  two="$(drained $((base + q)) "$t0")"
  kill "$(cat "$work/serve-$engine-a.pid")" "$(cat "$work/serve-$engine-b.pid")" 2>/dev/null || true
  python3 -c "
q=$q; print(f'| $engine | {q:,} | {q/$qs:,.0f} | {q/$one:,.0f} | {q/$two:,.0f} |')" >>"$work/table"
  echo "$q" >"$work/messages"
}

echo "== $n demo UMKM on SQLite ==" >&2
sqlite_url="sqlite://$work/sentra.db"
prepare "$sqlite_url" sqlite3 "$work/sentra.db"

pg_bin="$(find_pg_bin)"
[ -n "$pg_bin" ] || { apt_install postgresql; pg_bin="$(find_pg_bin)"; }
mkdir -p "$work/pg"
if [ "$(id -u)" = 0 ]; then chown postgres "$work/pg"; fi
as_pg "$pg_bin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
pg_port="$(free_port)"
as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w \
  -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1" start >/dev/null
stop_pg() { as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -m fast stop >/dev/null 2>&1 || true; }
pg_url="postgres://postgres@127.0.0.1:$pg_port/sentra_bench"
psql -q "postgres://postgres@127.0.0.1:$pg_port/postgres" -c "CREATE DATABASE sentra_bench"
echo "== $n demo UMKM on PostgreSQL ==" >&2
prepare "$pg_url" psql -q -v ON_ERROR_STOP=1 "$pg_url"

echo "== measuring ==" >&2
: >"$work/table"
measure sqlite "$sqlite_url"
measure postgresql "$pg_url"
peer="$(python3 bench/outbox_endpoint.py drive "$endpoint" "$(cat "$work/messages")")"

echo
echo "Outbox throughput, $n demo UMKM (city 36.74), every consenting business sent one broadcast"
echo "(WhatsApp Cloud API stand-in on this machine; rate limit off; $(nproc) cores shared)."
echo
echo "| engine | messages | queued /s (API, one request) | sent /s, one server | sent /s, two servers |"
echo "|---|---:|---:|---:|---:|"
cat "$work/table"
echo
echo "Peer: a bare keep-alive client posting the same messages to the same endpoint, one after"
echo "another: $peer messages/s."

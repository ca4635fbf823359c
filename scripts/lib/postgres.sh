# Sourced by scripts/test.sh and bench/*.sh: a throwaway PostgreSQL cluster in a temporary
# folder on a free port, installing Debian's `postgresql` package first if it is missing.
# After start_throwaway_postgres, PG_ADMIN_URL is a superuser URL; stop_throwaway_postgres removes it all.

# shellcheck source=apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

pg_dir=""
pg_bin=""

as_pg() {
  # initdb and postgres refuse to run as root: use the postgres account then.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

find_pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# Sets pg_bin to the newest PostgreSQL's bin folder, installing the package if there is none.
ensure_pg_bin() {
  pg_bin="$(find_pg_bin)"
  if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
    echo "installing PostgreSQL (Debian package postgresql) ..." >&2
    apt_install postgresql || return 1
    pg_bin="$(find_pg_bin)"
  fi
  [ -n "$pg_bin" ]
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_throwaway_postgres() {
  ensure_pg_bin || return 1
  pg_dir="$(mktemp -d /tmp/sentra-pg.XXXXXX)" || return 1
  if [ "$(id -u)" = 0 ]; then chown postgres "$pg_dir" || return 1; fi
  local port
  port="$(free_port)" || return 1
  [ -n "$port" ] || return 1
  as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null || return 1
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
    -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null || return 1
  PG_ADMIN_URL="postgres://postgres@127.0.0.1:$port/postgres"
  export PG_ADMIN_URL
}

stop_throwaway_postgres() {
  if [ -n "$pg_dir" ] && [ -d "$pg_dir" ]; then
    if [ -f "$pg_dir/data/postmaster.pid" ]; then
      as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$pg_dir" 2>/dev/null || { sleep 2; rm -rf "$pg_dir" || true; }
  fi
}

# Sourced by scripts/test-ha.sh: a highly available PostgreSQL on loopback from Debian's
# packages: a pg_auto_failover monitor and two data nodes (primary and synchronous standby) in
# a temporary folder on free ports. Installs `postgresql-NN-auto-failover` first if missing.
# After start_ha_cluster:
#   HA_URL      multi-host superuser URL, target_session_attrs=read-write (as `pg_autoctl show uri`)
#   HA_CTL      a wrapper running pg_autoctl as the postgres account with this cluster's settings
#   HA_DIR      the folder: monitor/, node1/, node2/ and their logs
# stop_ha_cluster stops and removes it all.

# shellcheck source=postgres.sh
. "$(dirname "${BASH_SOURCE[0]}")/postgres.sh"

HA_DIR=""
ha_pg_bin=""

ha_psql() { # port, sql
  "$ha_pg_bin/psql" -h 127.0.0.1 -p "$1" -U postgres -d postgres -Atqc "$2" 2>/dev/null
}

ha_wait() { # seconds, description, command...
  local limit=$1 what=$2
  shift 2
  local i
  for ((i = 0; i < limit; i++)); do
    "$@" && return 0
    sleep 1
  done
  echo "error: $what did not happen within ${limit} s; logs in $HA_DIR" >&2
  return 1
}

ha_node_state() { # node name
  "$HA_CTL" show state --pgdata "$HA_DIR/monitor" 2>/dev/null | awk -F'|' -v n="$1" '$1 ~ "^ *"n" *$" { gsub(/ /, "", $6); print $6 }'
}

ha_primary_ready() { [ "$(ha_node_state node1)" = "primary" ] || [ "$(ha_node_state node1)" = "wait_primary" ] || [ "$(ha_node_state node1)" = "single" ]; }

ha_standby_ready() {
  # pg_basebackup waits for a spread checkpoint (minutes on an idle server): ask for one now.
  ha_psql "$HA_NODE1_PORT" "CHECKPOINT" >/dev/null || true
  [ "$(ha_node_state node2)" = "secondary" ] && [ "$(ha_node_state node1)" = "primary" ]
}

start_ha_cluster() {
  ensure_pg_bin || return 1
  ha_pg_bin="$pg_bin"
  local major
  major="$(basename "$(dirname "$ha_pg_bin")")"
  if ! command -v pg_autoctl >/dev/null 2>&1; then
    echo "installing pg_auto_failover (Debian package postgresql-$major-auto-failover) ..." >&2
    apt_install "postgresql-$major-auto-failover" || return 1
  fi
  HA_DIR="$(mktemp -d /tmp/sentra-ha.XXXXXX)" || return 1
  if [ "$(id -u)" = 0 ]; then chown postgres "$HA_DIR" || return 1; fi
  HA_CTL="$HA_DIR/pg_autoctl"
  local as_pg=""
  [ "$(id -u)" = 0 ] && as_pg="runuser -u postgres --"
  cat > "$HA_CTL" <<EOF
#!/bin/sh
exec $as_pg env PATH="$ha_pg_bin:/usr/bin:/bin" XDG_CONFIG_HOME="$HA_DIR/config" XDG_DATA_HOME="$HA_DIR/share" XDG_RUNTIME_DIR="$HA_DIR/run" pg_autoctl "\$@"
EOF
  chmod 755 "$HA_CTL"
  HA_MONITOR_PORT="$(free_port)"
  HA_NODE1_PORT="$(free_port)"
  HA_NODE2_PORT="$(free_port)"
  local common=(--auth trust --no-ssl --hostname 127.0.0.1)
  nohup "$HA_CTL" create monitor --pgdata "$HA_DIR/monitor" --pgport "$HA_MONITOR_PORT" \
    "${common[@]}" --run > "$HA_DIR/monitor.log" 2>&1 &
  disown # stopped by stop_ha_cluster, without the shell's "Killed" notice
  ha_wait 60 "the pg_auto_failover monitor starting" \
    ha_psql "$HA_MONITOR_PORT" "SELECT 1 FROM pg_extension WHERE extname = 'pgautofailover'" || return 1
  # Failover after about 5 s without the primary instead of the default 20 s and more, and
  # writes on the promoted standby 5 s later instead of 30 (primary_demote_timeout: how long a
  # lost primary is given to stop itself; it must stay above the nodes'
  # network_partition_timeout, set to 3 s below). Loopback values: production keeps the defaults.
  ha_psql "$HA_MONITOR_PORT" "ALTER SYSTEM SET pgautofailover.health_check_period = 1000" >/dev/null
  ha_psql "$HA_MONITOR_PORT" "ALTER SYSTEM SET pgautofailover.health_check_timeout = 1000" >/dev/null
  ha_psql "$HA_MONITOR_PORT" "ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1" >/dev/null
  ha_psql "$HA_MONITOR_PORT" "ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 500" >/dev/null
  ha_psql "$HA_MONITOR_PORT" "ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 4000" >/dev/null
  ha_psql "$HA_MONITOR_PORT" "ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 5000" >/dev/null
  ha_psql "$HA_MONITOR_PORT" "SELECT pg_reload_conf()" >/dev/null
  local monitor="postgres://autoctl_node@127.0.0.1:$HA_MONITOR_PORT/pg_auto_failover?sslmode=disable"
  local n port
  for n in 1 2; do
    port="HA_NODE${n}_PORT"
    nohup "$HA_CTL" create postgres --pgdata "$HA_DIR/node$n" --pgport "${!port}" --name "node$n" \
      --dbname postgres --monitor "$monitor" "${common[@]}" \
      --run > "$HA_DIR/node$n.log" 2>&1 &
    disown
    if [ "$n" = 1 ]; then
      ha_wait 90 "node1 becoming the primary" ha_primary_ready || return 1
    fi
  done
  ha_wait 180 "node2 becoming a synchronous standby" ha_standby_ready || return 1
  # Only once both run: `config set` signals the node's pg_autoctl to reload, and done while a
  # node was still starting, the signal once reached this script's process group instead.
  for n in 1 2; do
    "$HA_CTL" config set --pgdata "$HA_DIR/node$n" timeout.network_partition_timeout 3 >/dev/null || return 1
  done
  # pg_auto_failover keeps 8 GB of WAL on each node (wal_keep_size) for a standby to catch up
  # from; the suite writes that much and more, which with two nodes filled a CI machine's disk.
  # 1 GB is plenty for a standby on the same loopback.
  local port
  for port in "$HA_NODE1_PORT" "$HA_NODE2_PORT"; do
    ha_psql "$port" "ALTER SYSTEM SET wal_keep_size = '1GB'" >/dev/null || return 1
    ha_psql "$port" "SELECT pg_reload_conf()" >/dev/null || return 1
  done
  HA_URL="postgres://postgres@127.0.0.1:$HA_NODE1_PORT,127.0.0.1:$HA_NODE2_PORT/postgres?target_session_attrs=read-write"
  export HA_URL HA_CTL HA_DIR HA_MONITOR_PORT HA_NODE1_PORT HA_NODE2_PORT
}

# After the failover test: pg_auto_failover's own health checks and partition timeout again.
# The loopback values above fail over after ~5 s without an answer, which a primary busy with
# two cores' worth of tests can take to answer; the suite then lost its primary mid-run.
relax_ha_cluster() {
  local setting
  for setting in health_check_period health_check_timeout health_check_max_retries \
    health_check_retry_delay node_considered_unhealthy_timeout primary_demote_timeout; do
    ha_psql "$HA_MONITOR_PORT" "ALTER SYSTEM RESET pgautofailover.$setting" >/dev/null || return 1
  done
  ha_psql "$HA_MONITOR_PORT" "SELECT pg_reload_conf()" >/dev/null || return 1
  local n
  for n in 1 2; do
    "$HA_CTL" config set --pgdata "$HA_DIR/node$n" timeout.network_partition_timeout 20 >/dev/null || return 1
  done
}

stop_ha_cluster() {
  if [ -n "$HA_DIR" ] && [ -d "$HA_DIR" ]; then
    local d
    for d in node2 node1 monitor; do
      [ -d "$HA_DIR/$d" ] && "$HA_CTL" stop --pgdata "$HA_DIR/$d" --immediate >/dev/null 2>&1 || true
    done
    sleep 1
    # A keeper killed mid-restart may have a postgres still writing WAL for a moment: kill until
    # none is left, then remove, retrying; cleaning up never fails the run whose tests passed.
    local i
    for ((i = 0; i < 20; i++)); do
      pkill -9 -f "(pg_autoctl|postgres).*$HA_DIR" >/dev/null 2>&1 || break
      sleep 0.5
    done
    for ((i = 0; i < 10; i++)); do
      rm -rf "$HA_DIR" 2>/dev/null && break
      sleep 1
    done
    [ -d "$HA_DIR" ] && echo "warning: could not remove $HA_DIR" >&2
  fi
  return 0
}

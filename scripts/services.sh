#!/usr/bin/env bash
# Starts and stops a private PostgreSQL cluster and Redis server under DIR,
# on loopback. Used by `make up` (DIR=var) and by the tests (a fresh DIR).
#
#   scripts/services.sh start DIR        start both; writes DIR/env (DATABASE_URL, REDIS_URL,
#                                        and DATABASE_READ_URL with standbys)
#   scripts/services.sh stop DIR         stop both
#   scripts/services.sh start-redis DIR  (re)start Redis alone, same port
#   scripts/services.sh stop-redis DIR   stop Redis alone
#   scripts/services.sh start-pg DIR     (re)start every PostgreSQL node, same ports
#   scripts/services.sh kill-pg DIR      stop the primary as a crash would (immediate: no
#                                        checkpoint; it recovers from its WAL on the next start)
#   scripts/services.sh failover DIR     stop the primary (if still up), promote the standby
#                                        that received the most WAL, point the other standbys
#                                        at it, and re-attach the old primary as a standby
#                                        (pg_rewind). Nothing else is reconfigured: clients
#                                        follow through their multi-host URLs.
#   scripts/services.sh reattach DIR K   re-attach stopped node K (an old primary) as a standby of
#                                        the running primary (pg_rewind, or a fresh base backup)
#   scripts/services.sh stop-node DIR K / start-node DIR K   one node (0: the first primary)
#   scripts/services.sh status DIR
#
# Standbys: INK_PG_STANDBYS=N (default 0, kept in DIR/env) streaming replicas of
# the cluster (pg_basebackup, a replication slot each, hot standby). With N > 0
# the primary commits synchronously to ANY 1 of the others, and DATABASE_URL
# lists every node with target_session_attrs=read-write (libpq finds the
# primary), DATABASE_READ_URL the standbys first with prefer-standby.
# Nodes are numbered 0..N: node 0 lives in DIR/pg/data, node K in
# DIR/pg/standby-K/data; which one is the primary changes with each failover
# (the one without standby.signal).
#
# Ports: PG_PORT / REDIS_PORT / PG_STANDBY_PORTS, else free ports are chosen
# (and kept in DIR/env).
# PostgreSQL refuses to run as root: as root the cluster runs as user `postgres`.
# Set INK_PG_FAST=1 for test clusters (fsync off: faster, not crash-safe for the OS).
set -euo pipefail

cmd=${1:?usage: services.sh start|stop|start-redis|stop-redis|status DIR}
dir=${2:?usage: services.sh $cmd DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
pgdata=$dir/pg/data
pgsock=$dir/pg/sock

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

. "$(dirname "$0")/lib/ports.sh"

load_env() { [ -f "$dir/env" ] && . "$dir/env" || true; }

# Node K's data folder, port, log and name (its application_name as a standby).
node_data() { if [ "$1" = 0 ]; then echo "$dir/pg/data"; else echo "$dir/pg/standby-$1/data"; fi; }
node_port() {
  if [ "$1" = 0 ]; then echo "$PG_PORT"; else echo "$PG_STANDBY_PORTS" | cut -d, -f"$1"; fi
}
node_log() { echo "$(dirname "$(node_data "$1")")/postgres.log"; }
node_name() { echo "node_$1"; }
nodes() { seq 0 "$PG_STANDBYS"; }

node_running() { as_pg "$pgbin/pg_ctl" -D "$(node_data "$1")" status >/dev/null 2>&1; }
node_is_standby() { [ -f "$(node_data "$1")/standby.signal" ]; }
node_sql() {  # node_sql K SQL: one value, as the superuser
  as_pg "$pgbin/psql" -X -q -At -h "$pgsock" -p "$(node_port "$1")" -U postgres -d postgres -c "$2"
}
# The primary: the node without standby.signal (after a failover, not node 0).
primary_node() {
  local k
  for k in $(nodes); do node_is_standby "$k" || { echo "$k"; return 0; }; done
  echo 0
}

write_env() {
  local hosts="127.0.0.1:$PG_PORT" standby_hosts="" k
  for k in $(seq 1 "$PG_STANDBYS"); do
    hosts+=",127.0.0.1:$(node_port "$k")"
    standby_hosts+="127.0.0.1:$(node_port "$k"),"
  done
  {
    echo "PG_PORT=$PG_PORT"
    echo "REDIS_PORT=$REDIS_PORT"
    echo "PG_STANDBYS=$PG_STANDBYS"
    echo "PG_STANDBY_PORTS=$PG_STANDBY_PORTS"
    if [ "$PG_STANDBYS" -gt 0 ]; then
      echo "DATABASE_URL=postgresql://ink@$hosts/ink?target_session_attrs=read-write"
      echo "DATABASE_READ_URL=postgresql://ink@${standby_hosts}127.0.0.1:$PG_PORT/ink?target_session_attrs=prefer-standby"
    else
      echo "DATABASE_URL=postgresql://ink@127.0.0.1:$PG_PORT/ink"
    fi
    echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
    # The same through the Unix socket, for processes on this host (cheaper
    # than loopback TCP); libpq wants the folder percent-encoded as the host.
    local sock local_hosts local_standby_hosts=""
    sock=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$pgsock")
    local_hosts="$sock:$PG_PORT"
    for k in $(seq 1 "$PG_STANDBYS"); do
      local_hosts+=",$sock:$(node_port "$k")"
      local_standby_hosts+="$sock:$(node_port "$k"),"
    done
    if [ "$PG_STANDBYS" -gt 0 ]; then
      echo "DATABASE_LOCAL_URL=postgresql://ink@$local_hosts/ink?target_session_attrs=read-write"
      echo "DATABASE_LOCAL_READ_URL=postgresql://ink@${local_standby_hosts}$sock:$PG_PORT/ink?target_session_attrs=prefer-standby"
    else
      echo "DATABASE_LOCAL_URL=postgresql://ink@$local_hosts/ink"
    fi
  } >"$dir/env"
}

start_node() {  # start_node K: starts it if it is not running
  node_running "$1" && return 0
  as_pg "$pgbin/pg_ctl" -D "$(node_data "$1")" -o "-p $(node_port "$1")" -l "$(node_log "$1")" \
    -w -t 120 start >/dev/null
}

# Where a standby streams from: the primary at PORT, through its own slot.
follow() {  # follow K PRIMARY_PORT: written to K's postgresql.auto.conf (K stopped)
  local data; data=$(node_data "$1")
  as_pg touch "$data/standby.signal"
  printf "primary_conninfo = 'host=127.0.0.1 port=%s user=postgres application_name=%s'\nprimary_slot_name = '%s'\n" \
    "$2" "$(node_name "$1")" "$(node_name "$1")" | as_pg tee -a "$data/postgresql.auto.conf" >/dev/null
}

make_slot() {  # make_slot PRIMARY K: K's replication slot on the primary
  node_sql "$1" "SELECT count(*) FROM (SELECT pg_create_physical_replication_slot('$(node_name "$2")', true)
    WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '$(node_name "$2")')) s" >/dev/null
}

init_cluster() {
  mkdir -p "$dir/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir/pg"
  as_pg "$pgbin/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/pg/initdb.log"
  as_pg mkdir -p "$pgsock"
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$pgsock'"
    echo "max_connections = 200"
    echo "shared_buffers = 256MB"
    echo "logging_collector = off"
    # Replication is always possible (standbys can be added later); pg_rewind,
    # which re-attaches an old primary after a failover, needs wal_log_hints.
    echo "wal_level = replica"
    echo "max_wal_senders = 10"
    echo "max_replication_slots = 10"
    echo "wal_log_hints = on"
    echo "hot_standby = on"
    echo "wal_keep_size = 256MB"  # so that pg_rewind finds the WAL back to the fork
    if [ "${INK_PG_FAST:-0}" = 1 ]; then
      echo "fsync = off"
      # pg_rewind needs full-page writes: only a cluster without standbys drops them.
      [ "$PG_STANDBYS" -gt 0 ] || echo "full_page_writes = off"
    fi
  } | as_pg tee -a "$pgdata/postgresql.conf" >/dev/null
}

add_standby() {  # add_standby K: a base backup of the primary, streaming from it
  local k=$1 p; p=$(primary_node)
  local data; data=$(node_data "$k")
  mkdir -p "$(dirname "$data")"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$(dirname "$data")"
  make_slot "$p" "$k"
  as_pg "$pgbin/pg_basebackup" -h "$pgsock" -p "$(node_port "$p")" -U postgres -D "$data" \
    -X stream -c fast >/dev/null
  follow "$k" "$(node_port "$p")"
}

# With standbys, a commit returns once ANY 1 of them has it on disk: an
# accepted ts is on two machines. The primary's own name in the list is
# harmless, and the same setting then holds after any failover.
set_synchronous() {
  local p=$1 names="" k
  if [ "$PG_STANDBYS" -gt 0 ]; then
    for k in $(nodes); do names+="${names:+, }$(node_name "$k")"; done
    node_sql "$p" "ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 ($names)'" >/dev/null
  else
    node_sql "$p" "ALTER SYSTEM RESET synchronous_standby_names" >/dev/null
  fi
  node_sql "$p" "SELECT pg_reload_conf()" >/dev/null
}

wait_synchronous() {  # until the primary has a synchronous standby (or 60 s)
  local p=$1
  [ "$PG_STANDBYS" -gt 0 ] || return 0
  for _ in $(seq 1 600); do
    [ "$(node_sql "$p" "SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync','quorum')")" -gt 0 ] \
      2>/dev/null && return 0
    sleep 0.1
  done
  echo "no standby is streaming synchronously from node $p; see $dir/pg/*/postgres.log" >&2
  return 1
}

start_pg() {
  local fresh=0 k p
  if [ ! -f "$pgdata/PG_VERSION" ]; then init_cluster; fresh=1; fi
  p=$(primary_node)
  start_node "$p"
  if [ "$fresh" = 1 ]; then
    as_pg "$pgbin/psql" -q -h "$pgsock" -p "$PG_PORT" -U postgres -d postgres \
      -c "CREATE ROLE ink LOGIN CREATEDB" -c "CREATE DATABASE ink OWNER ink"
  fi
  for k in $(seq 1 "$PG_STANDBYS"); do
    [ -f "$(node_data "$k")/PG_VERSION" ] || add_standby "$k"
  done
  for k in $(nodes); do [ "$k" = "$p" ] || start_node "$k"; done
  set_synchronous "$p"
  wait_synchronous "$p"
}

stop_pg() {  # the primary first, so that the standbys receive its last WAL
  local p k; p=$(primary_node)
  [ -f "$(node_data "$p")/PG_VERSION" ] || return 0
  as_pg "$pgbin/pg_ctl" -D "$(node_data "$p")" -m fast -w stop >/dev/null 2>&1 || true
  for k in $(nodes); do
    [ "$k" = "$p" ] || as_pg "$pgbin/pg_ctl" -D "$(node_data "$k")" -m fast -w stop >/dev/null 2>&1 || true
  done
}

kill_node() { as_pg "$pgbin/pg_ctl" -D "$(node_data "$1")" -m immediate -w stop >/dev/null 2>&1 || true; }

# The failover a cluster manager (Patroni, pg_auto_failover) would do, by hand.
failover() {
  [ "$PG_STANDBYS" -gt 0 ] || { echo "no standby to fail over to (INK_PG_STANDBYS=0)" >&2; return 1; }
  local old k best="" best_lsn=-1 lsn
  old=$(primary_node)
  # Marked a standby first: whatever happens next, it must never come back
  # as a second primary.
  kill_node "$old"
  as_pg touch "$(node_data "$old")/standby.signal"
  # The standby with the most WAL has every commit that was acknowledged
  # (ANY 1: at least one standby had each one on disk).
  for k in $(nodes); do
    [ "$k" = "$old" ] && continue
    node_running "$k" || continue
    lsn=$(node_sql "$k" "SELECT pg_wal_lsn_diff(greatest(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), '0/0')::bigint" 2>/dev/null) || continue
    if [ -n "$lsn" ] && [ "$lsn" -gt "$best_lsn" ]; then best=$k; best_lsn=$lsn; fi
  done
  [ -n "$best" ] || { echo "no running standby to promote" >&2; return 1; }
  # It must replay all it received before it takes writes.
  for _ in $(seq 1 600); do
    [ "$(node_sql "$best" "SELECT pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn()")" = t ] && break
    sleep 0.05
  done
  as_pg "$pgbin/pg_ctl" -D "$(node_data "$best")" -w -t 60 promote >/dev/null
  as_pg rm -f "$(node_data "$best")/standby.signal"
  # pg_rewind reads the new timeline from the control file, which the
  # end-of-recovery checkpoint writes; until then it sees nothing to rewind.
  node_sql "$best" "CHECKPOINT" >/dev/null
  for k in $(nodes); do [ "$k" = "$best" ] || make_slot "$best" "$k"; done
  # The other standbys follow the new timeline from the new primary.
  for k in $(nodes); do
    [ "$k" = "$best" ] || [ "$k" = "$old" ] && continue
    node_running "$k" || continue
    node_sql "$k" "ALTER SYSTEM SET primary_conninfo = 'host=127.0.0.1 port=$(node_port "$best") user=postgres application_name=$(node_name "$k")'" >/dev/null
    node_sql "$k" "SELECT pg_reload_conf()" >/dev/null
  done
  echo "promoted node $best (port $(node_port "$best")); node $old is re-attached as a standby"
  reattach "$old" "$best"
}

# pg_rewind: the old primary drops what it wrote after the new primary's
# history forked (never acknowledged: no standby had it) and follows it. When
# the WAL it needs is gone, a fresh base backup does the same, slower.
reattach() {  # reattach OLD PRIMARY
  local old=$1 p=$2 data; data=$(node_data "$1")
  # Its crash recovery runs in single-user mode, which refuses standby mode.
  as_pg rm -f "$data/standby.signal"
  if as_pg "$pgbin/pg_rewind" --target-pgdata="$data" \
    --source-server="host=$pgsock port=$(node_port "$p") user=postgres dbname=postgres" \
    >>"$(node_log "$old")" 2>&1; then
    as_pg sed -i '/^primary_conninfo\|^primary_slot_name/d' "$data/postgresql.auto.conf"
    follow "$old" "$(node_port "$p")"
  else
    echo "pg_rewind of node $old failed (see $(node_log "$old")): copying it afresh" >&2
    as_pg touch "$data/standby.signal"
    as_pg rm -rf "$data.old"
    as_pg mv "$data" "$data.old"
    add_standby "$old"
    as_pg rm -rf "$data.old"
  fi
  start_node "$old"
  set_synchronous "$p"
  wait_synchronous "$p"
}

# The running node that accepts writes (other than $1): after a promotion
# made outside this script, files cannot tell.
running_primary() {
  local k
  for k in $(nodes); do
    [ "$k" = "${1:-}" ] && continue
    node_running "$k" || continue
    [ "$(node_sql "$k" "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ] && { echo "$k"; return 0; }
  done
  return 1
}

pg_status() {
  local k role
  for k in $(nodes); do
    if ! node_running "$k"; then
      role=stopped
    elif node_is_standby "$k"; then
      role="standby (replayed $(node_sql "$k" "SELECT pg_last_wal_replay_lsn()" 2>/dev/null || echo '?'))"
    else
      role="primary (wal $(node_sql "$k" "SELECT pg_current_wal_lsn()" 2>/dev/null || echo '?'))"
    fi
    echo "postgresql node $k: $role on $(node_port "$k")"
  done
}

start_redis() {
  mkdir -p "$dir/redis"
  if [ -f "$dir/redis/redis.pid" ] && kill -0 "$(cat "$dir/redis/redis.pid")" 2>/dev/null; then return 0; fi
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
    --pidfile "$dir/redis/redis.pid" --dir "$dir/redis" --logfile "$dir/redis/redis.log" \
    --save "" --appendonly no --protected-mode yes
  for _ in $(seq 1 100); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "redis did not start, see $dir/redis/redis.log" >&2; return 1
}

stop_redis() {
  local pidfile=$dir/redis/redis.pid
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  rm -f "$pidfile"
}

load_env
if [ -z "${PG_PORT:-}" ] || [ -z "${REDIS_PORT:-}" ]; then
  first=$(listen_ports 2)
  PG_PORT=${PG_PORT:-$first}
  REDIS_PORT=${REDIS_PORT:-$((first + 1))}
fi
# Standbys: as asked, else as this folder was started before.
PG_STANDBYS=${INK_PG_STANDBYS:-${PG_STANDBYS:-0}}
PG_STANDBY_PORTS=${PG_STANDBY_PORTS:-}
while [ "$(echo "$PG_STANDBY_PORTS" | tr , ' ' | wc -w)" -lt "$PG_STANDBYS" ]; do
  PG_STANDBY_PORTS="${PG_STANDBY_PORTS:+$PG_STANDBY_PORTS,}$(listen_ports 1)"
done

case "$cmd" in
  start) start_pg; start_redis; write_env; echo "services up: $(tr '\n' ' ' <"$dir/env")" ;;
  stop) stop_redis; stop_pg ;;
  start-redis) start_redis ;;
  stop-redis) stop_redis ;;
  kill-pg) kill_node "$(primary_node)" ;;
  start-pg) start_pg ;;
  failover) failover ;;
  stop-node) kill_node "${3:?node number}" ;;
  reattach)
    node=${3:?node number}
    kill_node "$node"
    primary=$(running_primary "$node") || { echo "no running primary to follow" >&2; exit 1; }
    reattach "$node" "$primary" ;;
  start-node) start_node "${3:?node number}" ;;
  status)
    pg_status
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && echo "redis: running on $REDIS_PORT" || echo "redis: stopped" ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Starts and stops a private PostgreSQL cluster and Redis server under DIR,
# on loopback. Used by `make up` (DIR=var) and by the tests (a fresh DIR).
#
#   scripts/services.sh start DIR        start both; writes DIR/env (DATABASE_URL, REDIS_URL)
#   scripts/services.sh stop DIR         stop both
#   scripts/services.sh start-redis DIR  (re)start Redis alone, same port
#   scripts/services.sh stop-redis DIR   stop Redis alone
#   scripts/services.sh start-pg DIR    (re)start PostgreSQL alone, same port
#   scripts/services.sh kill-pg DIR      stop PostgreSQL as a crash would (immediate: no
#                                        checkpoint; it recovers from its WAL on the next start)
#   scripts/services.sh status DIR
#
# Ports: PG_PORT / REDIS_PORT, else free ports are chosen (and kept in DIR/env).
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

write_env() {
  cat >"$dir/env" <<EOT
PG_PORT=$PG_PORT
REDIS_PORT=$REDIS_PORT
DATABASE_URL=postgresql://ink@127.0.0.1:$PG_PORT/ink
REDIS_URL=redis://127.0.0.1:$REDIS_PORT
EOT
}

start_pg() {
  if [ ! -f "$pgdata/PG_VERSION" ]; then
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
      if [ "${INK_PG_FAST:-0}" = 1 ]; then echo "fsync = off"; echo "full_page_writes = off"; fi
    } | as_pg tee -a "$pgdata/postgresql.conf" >/dev/null
    fresh=1
  fi
  if ! as_pg "$pgbin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
    as_pg "$pgbin/pg_ctl" -D "$pgdata" -o "-p $PG_PORT" -l "$dir/pg/postgres.log" -w -t 60 start >/dev/null
  fi
  if [ "${fresh:-0}" = 1 ]; then
    as_pg "$pgbin/psql" -q -h "$pgsock" -p "$PG_PORT" -U postgres -d postgres \
      -c "CREATE ROLE ink LOGIN CREATEDB" -c "CREATE DATABASE ink OWNER ink"
  fi
}

stop_pg() {
  [ -f "$pgdata/PG_VERSION" ] || return 0
  as_pg "$pgbin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
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

case "$cmd" in
  start) start_pg; start_redis; write_env; echo "services up: $(tr '\n' ' ' <"$dir/env")" ;;
  stop) stop_redis; stop_pg ;;
  start-redis) start_redis ;;
  stop-redis) stop_redis ;;
  kill-pg) as_pg "$pgbin/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null 2>&1 || true ;;
  start-pg) start_pg ;;
  status)
    as_pg "$pgbin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1 && echo "postgresql: running on $PG_PORT" || echo "postgresql: stopped"
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && echo "redis: running on $REDIS_PORT" || echo "redis: stopped" ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Starts, stops and inspects the whole unchanging.ink stack on this machine.
#
#   scripts/stack.sh up       start (or restart) everything, wait until ready, print the URL
#   scripts/stack.sh down     stop everything this script started (by pid)
#   scripts/stack.sh status   what is running
#   scripts/stack.sh restart-backend N   stop backend N gracefully, start it again, wait until
#                             it is ready (a rolling restart: nginx sends its traffic to the others)
#   scripts/stack.sh restart-worker   stop the worker if it runs, start it again
#   scripts/stack.sh failover promote a PostgreSQL standby in place of the primary and
#                             re-attach the old primary as a standby (INK_PG_STANDBYS > 0;
#                             scripts/services.sh failover). Nothing else is restarted.
#   scripts/stack.sh logs     follow the logs
#
# Configuration: environment variables, or an env file (INK_ENV_FILE, default
# ./ink.env if present). See README.md for the list and defaults.
# Nothing is installed or built here: `make up` does that first.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
env_file=${INK_ENV_FILE:-$root/ink.env}
# shellcheck disable=SC1090
[ -f "$env_file" ] && { set -a; . "$env_file"; set +a; }

INK_VAR_DIR=${INK_VAR_DIR:-$root/var}
INK_BUILD_DIR=${INK_BUILD_DIR:-$root/build}
INK_PORT=${INK_PORT:-23230}
INK_BIND=${INK_BIND:-127.0.0.1}
INK_AUTHORITY=${INK_AUTHORITY:-localhost:$INK_PORT}
INK_BACKENDS=${INK_BACKENDS:-2}
INK_BACKEND_UNIX=${INK_BACKEND_UNIX:-1}
INK_DB_UNIX=${INK_DB_UNIX:-1}
INK_BACKEND_BASE_PORT=${INK_BACKEND_BASE_PORT:-8081}
INK_WEB_PORT=${INK_WEB_PORT:-3000}
INK_INTERVAL=${INK_INTERVAL:-2}
INK_RETENTION_HOURS=${INK_RETENTION_HOURS:-24}
INK_WAIT_SECONDS=${INK_WAIT_SECONDS:-30}
INK_PROXY_RATE=${INK_PROXY_RATE:-50}
INK_PROXY_BURST=${INK_PROXY_BURST:-100}
INK_NGINX_WORKERS=${INK_NGINX_WORKERS:-auto}
INK_NGINX_ACCESS_LOG=${INK_NGINX_ACCESS_LOG:-off}
INK_WEB=${INK_WEB:-1}
INK_WORKER_METRICS_LISTEN=${INK_WORKER_METRICS_LISTEN:-127.0.0.1:9464}
# Local witnesses (docs/witness.md), so cosigned heads show at once; they
# prove little, being run by the operator. An operator's own list
# (INK_WITNESSES) replaces them.
INK_LOCAL_WITNESSES=${INK_LOCAL_WITNESSES:-2}
witnesses_dir=$INK_VAR_DIR/witnesses
mkdir -p "$INK_VAR_DIR"
INK_VAR_DIR=$(cd "$INK_VAR_DIR" && pwd)
INK_KEY_PATH=${INK_KEY_PATH:-$INK_VAR_DIR/keys/ink-ed25519.pem}
# The RFC 3161 TSA's chain and key: an operator's own (both set), or made on
# first start under var/keys (make_tsa_keys).
tsa_own=0
[ -n "${INK_TSA_CERT:-}" ] && [ -n "${INK_TSA_KEY:-}" ] && tsa_own=1
INK_TSA_CERT=${INK_TSA_CERT:-$INK_VAR_DIR/keys/tsa-chain.pem}
INK_TSA_KEY=${INK_TSA_KEY:-$INK_VAR_DIR/keys/tsa-key.pem}
run=$INK_VAR_DIR/run
logs=$INK_VAR_DIR/log
bin=$INK_BUILD_DIR/src/app
mkdir -p "$run" "$logs" "$(dirname "$INK_KEY_PATH")"

url="http://localhost:$INK_PORT/"
[ "$INK_BIND" = "127.0.0.1" ] || [ "$INK_BIND" = "0.0.0.0" ] || url="http://$INK_BIND:$INK_PORT/"

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# start NAME LOG CMD...: runs CMD in the background in its own session, pid in run/NAME.pid
start() {
  local name=$1 log=$2; shift 2
  setsid "$@" >>"$log" 2>&1 < /dev/null &
  echo $! >"$run/$name.pid"
}

stop_pidfile() {
  local f=$1 pid
  pid=$(cat "$f" 2>/dev/null) || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

services_env() {
  # Our own PostgreSQL and Redis unless the operator points elsewhere.
  if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
    local own_db=${DATABASE_URL:-} own_read=${DATABASE_READ_URL:-} own_redis=${REDIS_URL:-}
    "$root/scripts/services.sh" start "$INK_VAR_DIR/services" >/dev/null
    # shellcheck disable=SC1091
    . "$INK_VAR_DIR/services/env"
    [ -n "$own_db" ] && { DATABASE_URL=$own_db; DATABASE_READ_URL=$own_read; }
    [ -n "$own_redis" ] && REDIS_URL=$own_redis
    # The processes started here reach our own PostgreSQL by its Unix socket
    # (INK_DB_UNIX=0: by TCP, as everything else does).
    if [ -z "$own_db" ] && [ "$INK_DB_UNIX" != 0 ] && [ -n "${DATABASE_LOCAL_URL:-}" ]; then
      process_database_url=$DATABASE_LOCAL_URL
      process_database_read_url=${DATABASE_LOCAL_READ_URL:-}
    fi
  fi
  DATABASE_READ_URL=${DATABASE_READ_URL:-}
  process_database_url=${process_database_url:-$DATABASE_URL}
  process_database_read_url=${process_database_read_url:-$DATABASE_READ_URL}
  export DATABASE_URL DATABASE_READ_URL REDIS_URL
}

# The Unix socket nginx reaches backend N by (cheaper than loopback TCP:
# docs/performance.md), or nothing, and then its TCP port: with
# INK_BACKEND_UNIX=0, with a path too long for a socket, or where nginx's
# workers (nobody, when started as root) cannot reach the run folder.
backend_socket() {  # backend_socket N
  [ "$INK_BACKEND_UNIX" = 0 ] && return 0
  local path="$run/backend-$1.sock"
  [ "${#path}" -lt 100 ] || return 0
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u nobody -- test -x "$run" 2>/dev/null || return 0
  fi
  echo "$path"
}

write_nginx_conf() {
  local servers="" i port socket
  for i in $(seq 1 "$INK_BACKENDS"); do
    port=$((INK_BACKEND_BASE_PORT + i - 1))
    socket=$(backend_socket "$i")
    if [ -n "$socket" ]; then
      servers+="    server unix:$socket max_fails=1 fail_timeout=2s;"$'\n'
    else
      servers+="    server 127.0.0.1:$port max_fails=1 fail_timeout=2s;"$'\n'
    fi
  done
  local user_line=""
  [ "$(id -u)" -eq 0 ] && user_line="user nobody nogroup;"
  local access_log=off
  [ "$INK_NGINX_ACCESS_LOG" != off ] && access_log="$logs/nginx-access.log"
  # Brotli where Debian's module is installed (libnginx-mod-http-brotli-filter); gzip always.
  local modules="" brotli="" brotli_so=/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so
  if [ -f "$brotli_so" ]; then
    modules="load_module $brotli_so;"
    brotli="  brotli on; brotli_comp_level 5; brotli_types text/css application/javascript text/javascript application/json image/svg+xml text/plain;"
  fi
  local conf
  conf=$(cat "$root/deploy/nginx.conf.template")
  conf=${conf//@NGINX_MODULES@/$modules}
  conf=${conf//@BROTLI@/$brotli}
  conf=${conf//@RUN_DIR@/$run}
  conf=${conf//@LOG_DIR@/$logs}
  conf=${conf//@NGINX_WORKERS@/$INK_NGINX_WORKERS}
  conf=${conf//@NGINX_USER_LINE@/$user_line}
  conf=${conf//@NGINX_ACCESS_LOG@/$access_log}
  conf=${conf//@RATE_PER_SECOND@/$INK_PROXY_RATE}
  conf=${conf//@RATE_BURST@/$INK_PROXY_BURST}
  conf=${conf//@WEB_PORT@/$INK_WEB_PORT}
  conf=${conf//@BIND@/$INK_BIND}
  conf=${conf//@PORT@/$INK_PORT}
  conf=${conf//@PROXY_READ_TIMEOUT@/$((INK_WAIT_SECONDS + 30))}
  conf=${conf//@BACKEND_SERVERS@/$servers}
  # nginx cannot go past the hard limit on open files: size from it.
  local nofile
  nofile=$(ulimit -Hn)
  [ "$nofile" = unlimited ] && nofile=65536
  conf=${conf//@WORKER_RLIMIT_NOFILE@/$nofile}
  conf=${conf//@WORKER_CONNECTIONS@/$((nofile - 64))}
  printf '%s\n' "$conf" >"$run/nginx.conf"
}

do_down() {
  for f in "$run"/nginx.pid; do
    [ -f "$f" ] && { kill -QUIT "$(cat "$f")" 2>/dev/null || true; sleep 0.3; rm -f "$f"; }
  done
  for f in "$run"/witness-*.pid "$run"/web.pid "$run"/backend-*.pid "$run"/worker.pid; do
    [ -f "$f" ] && stop_pidfile "$f"
  done
  [ -d "$INK_VAR_DIR/services" ] && "$root/scripts/services.sh" stop "$INK_VAR_DIR/services"
  return 0
}

# ready URL [seconds]: until URL answers 200 five times in a row (one lucky
# answer while a backend still starts is not ready).
wait_url_ready() {
  local url=$1 deadline=$((SECONDS + ${2:-90})) streak=0
  while [ $SECONDS -lt $deadline ]; do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then
      streak=$((streak + 1))
      [ $streak -ge 5 ] && return 0
    else
      streak=0
    fi
    sleep 0.1
  done
  return 1
}

# Every backend ready on its own port. nginx starts only after them, so it
# never marks a starting backend failed; then readiness through nginx is what
# users get.
wait_backends_ready() {
  local i
  for i in $(seq 1 "$INK_BACKENDS"); do
    wait_url_ready "http://127.0.0.1:$((INK_BACKEND_BASE_PORT + i - 1))/api/ready" "${1:-90}" || return 1
  done
}

# A self-signed TSA root and an ECDSA P-256 signing certificate whose only
# purpose is timeStamping (critical, RFC 3161 section 2.3), made once. The
# root's key stays beside them (mode 0600) only to issue the next signing
# certificate; docs/rfc3161.md says how to keep it offline instead.
make_tsa_keys() {
  [ "$tsa_own" = 1 ] && return 0
  [ -s "$INK_TSA_CERT" ] && [ -s "$INK_TSA_KEY" ] && return 0
  local keys t
  keys=$(dirname "$INK_TSA_KEY")
  mkdir -p "$keys"
  t=$(mktemp -d "$keys/tsa-new.XXXXXX")
  (
    umask 077
    cat >"$t/root.cnf" <<EOT
[req]
distinguished_name = dn
x509_extensions = ext
prompt = no
[dn]
CN = $INK_AUTHORITY TSA root
[ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
EOT
    cat >"$t/tsa.cnf" <<EOT
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOT
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -days 7300 \
      -config "$t/root.cnf" -keyout "$t/root.key" -out "$t/root.pem" 2>/dev/null
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc \
      -subj "/CN=$INK_AUTHORITY TSA" -keyout "$t/tsa.key" -out "$t/tsa.csr" 2>/dev/null
    openssl x509 -req -in "$t/tsa.csr" -CA "$t/root.pem" -CAkey "$t/root.key" \
      -set_serial "0x$(openssl rand -hex 15)" -days 3650 -sha256 -extfile "$t/tsa.cnf" \
      -out "$t/tsa.pem" 2>/dev/null
    cat "$t/tsa.pem" "$t/root.pem" >"$t/chain.pem"
  ) || { echo "making the TSA keys failed (openssl)" >&2; rm -rf "$t"; exit 1; }
  mv "$t/root.key" "$keys/tsa-root-key.pem"
  mv "$t/root.pem" "$keys/tsa-root.pem"
  mv "$t/tsa.key" "$INK_TSA_KEY"
  mv "$t/chain.pem" "$INK_TSA_CERT"
  rm -rf "$t"
  chmod 644 "$keys/tsa-root.pem" "$INK_TSA_CERT"
  echo "made the RFC 3161 TSA root $keys/tsa-root.pem and signing certificate $INK_TSA_CERT"
}

start_backend() {  # start_backend N
  local i=$1
  start "backend-$i" "$logs/backend-$i.log" env DATABASE_URL="$process_database_url" \
    DATABASE_READ_URL="$process_database_read_url" REDIS_URL="$REDIS_URL" \
    INK_AUTHORITY="$INK_AUTHORITY" INK_INTERVAL="$INK_INTERVAL" \
    INK_TSA_CERT="$INK_TSA_CERT" INK_TSA_KEY="$INK_TSA_KEY" \
    INK_RETENTION_HOURS="$INK_RETENTION_HOURS" INK_WAIT_SECONDS="$INK_WAIT_SECONDS" \
    INK_LISTEN="127.0.0.1:$((INK_BACKEND_BASE_PORT + i - 1))" \
    INK_LISTEN_UNIX="$(backend_socket "$i")" "$bin/ink-backend"
}

start_worker() {
  start worker "$logs/worker.log" env DATABASE_URL="$process_database_url" REDIS_URL="$REDIS_URL" \
    INK_AUTHORITY="$INK_AUTHORITY" INK_INTERVAL="$INK_INTERVAL" \
    INK_RETENTION_HOURS="$INK_RETENTION_HOURS" INK_WAIT_SECONDS="$INK_WAIT_SECONDS" \
    INK_KEY_PATH="$INK_KEY_PATH" INK_WORKER_METRICS_LISTEN="$INK_WORKER_METRICS_LISTEN" \
    "$bin/ink-worker"
}

# Stops the worker (if it runs) and starts it again; it takes over once it
# holds the lease (at once, unless another worker holds it).
do_restart_worker() {
  services_env
  stop_pidfile "$run/worker.pid"
  start_worker
  echo "worker restarted"
}

do_restart_backend() {
  local i=${1:?usage: stack.sh restart-backend N}
  services_env
  local_witness_list
  stop_pidfile "$run/backend-$i.pid"
  start_backend "$i"
  wait_url_ready "http://127.0.0.1:$((INK_BACKEND_BASE_PORT + i - 1))/api/ready" 60 || {
    echo "backend $i did not become ready, see $logs/backend-$i.log" >&2; exit 1; }
  # nginx marked it failed while it was down (max_fails=1) and sends it nothing
  # for fail_timeout (2 s) after the last failure; restarting the next backend
  # sooner could leave nginx with none it would try.
  sleep 2.5
  echo "backend $i restarted"
}

# The local witnesses' keys and the list the backends accept (INK_WITNESSES),
# made once under var/witnesses; nothing when the operator gave a list.
local_witness_list() {
  [ -n "${INK_WITNESSES:-}" ] && return 0
  [ "$INK_LOCAL_WITNESSES" -gt 0 ] || return 0
  mkdir -p "$witnesses_dir"
  local n
  for n in $(seq 1 "$INK_LOCAL_WITNESSES"); do
    [ -f "$witnesses_dir/local-$n.pem" ] && [ -s "$witnesses_dir/local-$n.entry" ] && continue
    rm -f "$witnesses_dir/local-$n.pem"
    "$bin/ink" witness keygen --key "$witnesses_dir/local-$n.pem" --name "local-$n" \
      >"$witnesses_dir/local-$n.entry" 2>/dev/null
  done
  python3 - "$witnesses_dir" "$INK_LOCAL_WITNESSES" <<'PY'
import json, sys
d, n = sys.argv[1], int(sys.argv[2])
entries = [json.loads(open(f"{d}/local-{i}.entry").read()) for i in range(1, n + 1)]
open(f"{d}/witnesses.json", "w").write(json.dumps(entries) + "\n")
PY
  INK_WITNESSES=$witnesses_dir/witnesses.json
  export INK_WITNESSES
}

# Starts the local witnesses against nginx, once it serves the log.
start_local_witnesses() {
  [ "$INK_LOCAL_WITNESSES" -gt 0 ] && [ "${INK_WITNESSES:-}" = "$witnesses_dir/witnesses.json" ] || return 0
  local n poll
  poll=$(python3 -c "print(max(0.05, $INK_INTERVAL / 4))")
  "$bin/ink" key --server "http://127.0.0.1:$INK_PORT" >"$witnesses_dir/log-key.json.tmp" &&
    mv "$witnesses_dir/log-key.json.tmp" "$witnesses_dir/log-key.json"
  for n in $(seq 1 "$INK_LOCAL_WITNESSES"); do
    start "witness-local-$n" "$logs/witness-local-$n.log" "$bin/ink" witness \
      --server "http://127.0.0.1:$INK_PORT" --log-key "$witnesses_dir/log-key.json" \
      --key "$witnesses_dir/local-$n.pem" --name "local-$n" \
      --state "$witnesses_dir/state-local-$n" --poll "$poll"
  done
}

do_up() {
  for b in ink-worker ink-backend ink; do
    [ -x "$bin/$b" ] || { echo "missing $bin/$b: build first (make build)" >&2; exit 1; }
  done
  do_down
  services_env
  local_witness_list
  make_tsa_keys
  start_worker
  local i
  for i in $(seq 1 "$INK_BACKENDS"); do start_backend "$i"; done
  if [ "$INK_WEB" = 1 ] && [ -f "$root/web/.output/server/index.mjs" ]; then
    start web "$logs/web.log" env HOST=127.0.0.1 PORT="$INK_WEB_PORT" NITRO_PORT="$INK_WEB_PORT" \
      REDIS_URL="$REDIS_URL" INK_API_INTERNAL="http://127.0.0.1:$INK_BACKEND_BASE_PORT" \
      INK_INTERVAL="$INK_INTERVAL" node "$root/web/.output/server/index.mjs"
  elif [ "$INK_WEB" = 1 ]; then
    echo "note: web/.output not built; the web page is not served (make web)" >&2
  fi
  if ! wait_backends_ready 120; then
    echo "the backends did not become ready; logs are in $logs" >&2
    tail -n 20 "$logs"/*.log >&2 || true
    exit 1
  fi
  write_nginx_conf
  nginx -c "$run/nginx.conf" -p "$INK_VAR_DIR" -g "daemon on;" 2>>"$logs/nginx-error.log" || {
    echo "nginx failed to start, see $logs/nginx-error.log" >&2; exit 1; }
  if ! wait_url_ready "http://127.0.0.1:$INK_PORT/api/ready" 60; then
    echo "the stack did not become ready; logs are in $logs" >&2
    tail -n 20 "$logs"/*.log >&2 || true
    exit 1
  fi
  start_local_witnesses
  echo "unchanging.ink is up: $url"
  echo "logs: $logs   stop: make down   status: make status"
  # A clock the service cannot vouch for is worth saying at once (docs/operations.md, "Time").
  local ready
  ready=$(curl -sS --max-time 3 "http://127.0.0.1:$INK_BACKEND_BASE_PORT/api/ready" 2>/dev/null || true)
  if grep -q '"clock"' <<<"$ready"; then
    echo "note: $(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print("clock:", r["clock"], "(new timestamps " + r.get("new_timestamps", "accepted") + ")")' "$ready")"
  fi
}

do_status() {
  local f name
  for f in "$run"/*.pid; do
    [ -f "$f" ] || continue
    name=$(basename "$f" .pid)
    if pid_alive "$f"; then echo "$name: running (pid $(cat "$f"))"; else echo "$name: not running"; fi
  done
  [ -d "$INK_VAR_DIR/services" ] && "$root/scripts/services.sh" status "$INK_VAR_DIR/services"
  if curl -fsS -o /dev/null "http://127.0.0.1:$INK_PORT/api/ready" 2>/dev/null; then
    echo "ready: $url"
  else
    echo "not ready at $url"
  fi
  log_status
}

# The figures a person asks first, from backend 1's and the worker's metrics.
log_status() {
  local backend worker ready
  backend=$(curl -fsS --max-time 3 "http://127.0.0.1:$INK_BACKEND_BASE_PORT/api/metrics" 2>/dev/null || true)
  worker=$(curl -fsS --max-time 3 "http://$INK_WORKER_METRICS_LISTEN/metrics" 2>/dev/null || true)
  ready=$(curl -sS --max-time 3 "http://127.0.0.1:$INK_BACKEND_BASE_PORT/api/ready" 2>/dev/null || true)
  local api="http://127.0.0.1:$INK_BACKEND_BASE_PORT/api/v1" witnesses cosigned=""
  witnesses=$(curl -fsS --max-time 3 "$api/witnesses" 2>/dev/null || true)
  if [ -n "$witnesses" ] && [ "$witnesses" != "[]" ]; then
    cosigned=$(curl -fsS --max-time 3 "$api/mth/cosigned?quorum=$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])))' "$witnesses")" 2>/dev/null || true)
  fi
  BACKEND_METRICS=$backend WORKER_METRICS=$worker READY=$ready INTERVAL=$INK_INTERVAL \
    WITNESSES=$witnesses COSIGNED=$cosigned python3 - <<'PY'
import json, math, os, time

def series(text):
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and "{" not in line:
            name, _, value = line.partition(" ")
            try:
                out[name] = float(value)
            except ValueError:
                pass
    return out

b, w = series(os.environ["BACKEND_METRICS"]), series(os.environ["WORKER_METRICS"])
known = lambda m, k: k in m and not math.isnan(m[k])
if known(b, "ink_newest_interval") and known(b, "ink_newest_head_timestamp_seconds"):
    at = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(b["ink_newest_head_timestamp_seconds"]))
    age = b["ink_head_age_seconds"]
    late = "  LATE: more than 3 intervals" if age > 3 * float(os.environ["INTERVAL"]) else ""
    print(f"newest head: {int(b['ink_newest_interval'])}, closed {at}, {age:.1f} s ago{late}")
else:
    print("newest head: unknown (backend 1 has no metrics)")
if not w:
    print("worker role: unknown, no metrics (not running, or INK_WORKER_METRICS_LISTEN differs)")
else:
    role = "active (holds the worker lock)" if w.get("ink_worker_role") == 1 else "standby"
    print(f"worker role: {role}, {int(w.get('ink_worker_intervals_total', 0))} intervals closed since it started")
m = b or w
if m:
    sync = "synchronised" if m.get("ink_clock_synchronized") == 1 else "NOT synchronised"
    policy = "enforce" if m.get("ink_clock_enforced") == 1 else "warn"
    print(f"clock: {sync}, max error {m.get('ink_clock_max_error_seconds', float('nan')):.3g} s"
          f" (bound {m.get('ink_clock_error_bound_seconds', float('nan')):.3g} s, policy {policy})")
    try:
        witnesses = json.loads(os.environ["WITNESSES"] or "[]")
        if witnesses:
            names = ", ".join(w["name"] for w in witnesses)
            cosigned = json.loads(os.environ["COSIGNED"] or "{}").get("head", {})
            by_all = cosigned.get("interval", {}).get("index", "none yet")
            print(f"witnesses: {len(witnesses)} listed ({names}); newest head cosigned by all: {by_all}")
    except ValueError:
        pass
    try:
        ready = json.loads(os.environ["READY"])
        why = ready.get("clock", "")
        if why and ready.get("new_timestamps") == "refused":
            why += " (new timestamps refused)"
        if why:
            print(f"clock problem: {why}")
    except ValueError:
        pass
PY
}

case "${1:-}" in
  up) do_up ;;
  down) do_down ;;
  status) do_status ;;
  restart-backend) do_restart_backend "${2:-}" ;;
  logs) tail -n 50 -F "$logs"/*.log ;;
  failover) "$root/scripts/services.sh" failover "$INK_VAR_DIR/services" ;;
  restart-worker) do_restart_worker ;;
  *) echo "usage: $0 up|down|status|logs|restart-backend N" >&2; exit 2 ;;
esac

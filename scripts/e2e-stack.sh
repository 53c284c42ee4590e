#!/usr/bin/env bash
# A whole stack on free ports under DIR, for end-to-end tests.
#   scripts/e2e-stack.sh start DIR   writes DIR/stack.env (INK_BASE_URL, ports, URLs)
#   scripts/e2e-stack.sh stop DIR
# Uses the build in $INK_BUILD_DIR (default ./build). Short intervals and a
# small rate limit so the tests run fast and can see a 429.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:?usage: e2e-stack.sh start|stop DIR}
dir=${2:?usage: e2e-stack.sh $cmd DIR}
mkdir -p "$dir"; dir=$(cd "$dir" && pwd)

. "$root/scripts/lib/ports.sh"

if [ "$cmd" = stop ]; then
  [ -f "$dir/stack.env" ] && { set -a; . "$dir/stack.env"; set +a; }
  INK_ENV_FILE=/dev/null INK_VAR_DIR=$dir "$root/scripts/stack.sh" down
  exit 0
fi

# A fresh stack each time: one left by an earlier run (its database signed
# for another authority) is stopped and removed first.
if [ -f "$dir/stack.env" ]; then
  "$0" stop "$dir" >/dev/null 2>&1 || true
  rm -rf "${dir:?}"
  mkdir -p "$dir"
fi

# Seven consecutive free ports: proxy, web, two backends, PostgreSQL, Redis,
# the worker's metrics.
first=$(listen_ports 7)
base=$((first + 2))
export PG_PORT=$((first + 4)) REDIS_PORT=$((first + 5))
cat >"$dir/stack.env" <<EOT
INK_VAR_DIR=$dir
INK_BUILD_DIR=${INK_BUILD_DIR:-$root/build}
INK_PORT=$first
INK_BACKEND_BASE_PORT=$base
INK_BACKENDS=2
INK_WEB_PORT=$((first + 1))
INK_INTERVAL=${INK_INTERVAL:-0.5}
INK_WAIT_SECONDS=${INK_WAIT_SECONDS:-10}
INK_PROXY_RATE=${INK_PROXY_RATE:-20}
INK_PROXY_BURST=${INK_PROXY_BURST:-200}
INK_NGINX_WORKERS=1
INK_WORKER_METRICS_LISTEN=127.0.0.1:$((first + 6))
INK_CLOCK_POLICY=enforce
INK_CLOCK_STATE_FILE=$dir/clock.json
EOT
# The clock state comes from a file the tests can change (tests/ops): the
# machine's own clock may well be unsynchronised, and enforce would then
# refuse every stamp.
echo '{"synchronized": true, "max_error_seconds": 0.01}' >"$dir/clock.json"
# The backends' own limit well above nginx's, so a 429 in the end-to-end tests
# is nginx's (the backends' limiter has tests of its own).
INK_RATE_LIMIT=${INK_RATE_LIMIT:-1000:2000}
export INK_RATE_LIMIT
# Settings a caller may pass for its stack, kept so that later stack.sh
# commands on this directory (restart-backend) start programs the same way.
for var in INK_RATE_LIMIT INK_WORKER_LEASE INK_WEB INK_WS_QUEUE INK_COMMIT_RESOLVE_SECONDS; do
  [ -n "${!var:-}" ] && echo "$var=${!var}" >>"$dir/stack.env"
done
set -a; . "$dir/stack.env"; set +a
INK_AUTHORITY=127.0.0.1:$INK_PORT
export INK_AUTHORITY
INK_PG_FAST=1 INK_ENV_FILE=/dev/null "$root/scripts/stack.sh" up
. "$dir/services/env"
cat >>"$dir/stack.env" <<EOT
INK_AUTHORITY=$INK_AUTHORITY
INK_BASE_URL=http://127.0.0.1:$INK_PORT
DATABASE_URL=$DATABASE_URL
REDIS_URL=$REDIS_URL
EOT

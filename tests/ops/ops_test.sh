#!/usr/bin/env bash
# Operations against the end-to-end stack (scripts/e2e-stack.sh, fixture
# "stack"): `make status`, the worker's /metrics, and the enforced clock
# policy through nginx (the stack runs INK_CLOCK_POLICY=enforce with its clock
# state in $INK_CLOCK_STATE_FILE, which the clock case changes and restores).
#   ops_test.sh STACK_DIR CASE
set -euo pipefail
stack=${1:?usage: ops_test.sh STACK_DIR CASE}
case_name=${2:?usage: ops_test.sh STACK_DIR CASE}
set -a; . "$stack/stack.env"; set +a
root=$(cd "$(dirname "$0")/../.." && pwd)
base=$INK_BASE_URL
work=$(mktemp -d)
synced='{"synchronized": true, "max_error_seconds": 0.01}'
cleanup() {
  echo "$synced" >"$INK_CLOCK_STATE_FILE.tmp" && mv "$INK_CLOCK_STATE_FILE.tmp" "$INK_CLOCK_STATE_FILE"
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
ts_count() { psql -qtA "$DATABASE_URL" -c 'SELECT count(*) FROM ts'; }
interval_count() { psql -qtA "$DATABASE_URL" -c 'SELECT count(*) FROM interval'; }
# value METRICS-TEXT NAME: an unlabelled series' value.
value() { awk -v n="$2" '$1 == n {print $2; exit}' <<<"$1"; }
worker_metrics() { curl -fsS "http://$INK_WORKER_METRICS_LISTEN/metrics"; }
status() { INK_ENV_FILE=/dev/null "$root/scripts/stack.sh" status; }
# until SECONDS CMD...: retries CMD every 0.2 s.
until_ok() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -lt $deadline ] || return 1; sleep 0.2; done
}
set_clock() { echo "$1" >"$INK_CLOCK_STATE_FILE.tmp" && mv "$INK_CLOCK_STATE_FILE.tmp" "$INK_CLOCK_STATE_FILE"; }
# refusing yes|no: whether /api/ready of every backend (each reads the clock
# state once a second) says new timestamps are refused; it stays 200.
refusing() {
  local i url
  for ((i = 0; i < INK_BACKENDS; i++)); do
    url="http://127.0.0.1:$((INK_BACKEND_BASE_PORT + i))/api/ready"
    [ "$(curl -sS -o ready.json -w '%{http_code}' "$url")" = 200 ] || return 1
    if [ "$1" = yes ]; then grep -q '"new_timestamps":"refused"' ready.json || return 1
    else ! grep -q '"clock"' ready.json || return 1; fi
  done
}
worker_clock_ok() { [ "$(value "$(worker_metrics)" ink_clock_ok)" = "$1" ]; }

case $case_name in
  status)
    curl -fsS -X POST -H 'Content-Type: application/json' -d '{"data":"ops status"}' \
      "$base/api/v1/ts/?wait" >/dev/null || fail "stamping failed"
    status >status.out
    cat status.out
    grep -Eq '^newest head: [0-9]+, closed 20[0-9-]+ [0-9:]+ UTC, [0-9.]+ s ago$' status.out ||
      fail "no newest head with its age"
    grep -q '^worker role: active (holds the worker lock), [1-9][0-9]* intervals closed' status.out ||
      fail "no active worker"
    grep -q '^clock: synchronised, max error 0.01 s (bound 1 s, policy enforce)$' status.out ||
      fail "no clock line"
    grep -q '^ready: ' status.out || fail "not ready"
    # make up's two local witnesses cosign every head.
    grep -Eq '^witnesses: 2 listed \(local-1, local-2\); newest head cosigned by all: [0-9]+$' status.out ||
      fail "no witnesses line"
    ;;
  worker_metrics)
    m=$(worker_metrics) || fail "no worker metrics at $INK_WORKER_METRICS_LISTEN"
    [ "$(value "$m" ink_worker_role)" = 1 ] || fail "ink_worker_role is not 1"
    [ "$(value "$m" ink_worker_intervals_total)" -gt 0 ] || fail "no interval counted"
    for phase in clock fetch leaves build sign commit announce total; do
      grep -q "^ink_worker_interval_phase_seconds_count{phase=\"$phase\"} [1-9]" <<<"$m" ||
        fail "no $phase phase"
    done
    for s in ink_head_age_seconds ink_newest_head_timestamp_seconds ink_interval_seconds \
      ink_worker_announce_lag_seconds ink_clock_synchronized ink_clock_error_bound_seconds \
      ink_worker_role_changes_total; do
      [ -n "$(value "$m" "$s")" ] || fail "no $s"
    done
    grep -q '^ink_worker_errors_total{kind="database"} ' <<<"$m" || fail "no errors by kind"
    grep -q '^ink_worker_retention_deleted_total{kind="ts"} ' <<<"$m" || fail "no retention"
    age=$(value "$m" ink_head_age_seconds)
    python3 -c "import sys; sys.exit(not 0 <= float('$age') < 30 * $INK_INTERVAL)" ||
      fail "head age $age"
    # Backends export the same head and clock figures, and whether Redis is subscribed.
    b=$(curl -fsS "http://127.0.0.1:$INK_BACKEND_BASE_PORT/api/metrics")
    [ "$(value "$b" ink_redis_subscribed)" = 1 ] || fail "backend not subscribed"
    [ -n "$(value "$b" ink_head_age_seconds)" ] || fail "no backend head age"
    # Not for the public.
    [ "$(curl -sS -o /dev/null -w '%{http_code}' "$base/api/metrics")" = 404 ] ||
      fail "/api/metrics is public"
    echo "ok: worker and backend metrics"
    ;;
  clock_enforced)
    set_clock '{"synchronized": false, "max_error_seconds": 16}'
    until_ok 10 refusing yes || fail "/api/ready does not say new timestamps are refused"
    until_ok 10 worker_clock_ok 0 || fail "the worker did not see the clock off"
    # Through nginx too.
    curl -fsS "$base/api/ready" | grep -q '"new_timestamps":"refused"' || fail "not through nginx"
    grep -q 'not synchronised' ready.json || fail "/api/ready does not say why: $(cat ready.json)"
    before=$(ts_count)
    code=$(curl -sS -o ts.json -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
      -d '{"data":"ops clock"}' "$base/api/v1/ts/")
    [ "$code" = 503 ] || fail "POST /api/v1/ts/ answered $code"
    grep -q '"clock_unsynchronized"' ts.json || fail "no clock error: $(cat ts.json)"
    echo hi >F
    openssl ts -query -sha256 -data F -out Q.tsq 2>/dev/null
    code=$(curl -sS -o R.tsr -w '%{http_code}' -H 'Content-Type: application/timestamp-query' \
      --data-binary @Q.tsq "$base/tsa")
    [ "$code" = 503 ] || fail "POST /tsa answered $code"
    openssl ts -reply -in R.tsr -text >R.txt 2>/dev/null || fail "not a TimeStampResp"
    grep -q '^Status: Rejected' R.txt || fail "not rejected: $(cat R.txt)"
    grep -q "^Failure info: the TSA's time source is not available" R.txt ||
      fail "wrong failInfo: $(cat R.txt)"
    [ "$(ts_count)" = "$before" ] || fail "a refused ts was stored"
    # Proofs and heads are still served, through nginx, again and again.
    for _ in 1 2 3 4 5; do
      curl -fsS "$base/api/ready" >/dev/null || fail "not ready"
      curl -fsS "$base/api/v1/mth/current" >/dev/null || fail "no current head"
    done
    # The worker closes no interval meanwhile.
    intervals=$(interval_count)
    sleep $(python3 -c "print(4 * $INK_INTERVAL)")
    [ "$(interval_count)" = "$intervals" ] || fail "an interval was closed with the clock off"
    status >status.out
    grep -q '^clock: NOT synchronised' status.out || fail "status: $(cat status.out)"
    grep -q '^clock problem: .*not synchronised' status.out || fail "status: $(cat status.out)"
    set_clock "$synced"
    until_ok 10 refusing no || fail "/api/ready did not recover"
    until_ok 10 worker_clock_ok 1 || fail "the worker did not see the clock on"
    curl -fsS -X POST -H 'Content-Type: application/json' -d '{"data":"ops clock again"}' \
      "$base/api/v1/ts/?wait" | grep -q '"proof"' || fail "no proof after recovery"
    echo "ok: refused with the clock off, resumed with it on, nothing stored meanwhile"
    ;;
  *) fail "unknown case $case_name" ;;
esac

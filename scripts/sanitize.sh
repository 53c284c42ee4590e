#!/usr/bin/env bash
# Builds the C++ tree with sanitizers in its own folder and runs tests there.
#   scripts/sanitize.sh address,undefined [ctest options]   -> build-asan/
#   scripts/sanitize.sh thread [ctest options]              -> build-tsan/
# Default ctest selection: the unit and services labels (core, server, pubsub,
# audit, store, worker and backend integration tests: the programs they start
# are the sanitized builds too). `make test` runs the address,undefined build;
# `make tsan` the thread one (slower; see README).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sanitizers=${1:?usage: sanitize.sh address,undefined|thread [ctest options]}
shift
case "$sanitizers" in
  thread) build=$root/build-tsan ;;
  *) build=$root/build-asan ;;
esac
# -O1 -g1: sanitizers need little optimisation and compile much faster so.
# (No -Werror: GCC 12 warns falsely inside Asio when instrumented.)
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
  -DINK_SANITIZE="$sanitizers" -DINK_BENCH=OFF -DINK_WERROR=OFF >/dev/null
# Only what the unit and service tests run (the cli and end-to-end suites
# stay with the release build).
targets=(core_tests server_tests pubsub_tests store_tests rfc3161_tests audit_tests cli_tests ops_tests
  witness_tests ink-worker ink-backend ink backend_integration_test worker_integration_test)
cmake --build "$build" -j"${JOBS:-2}" --target "${targets[@]}"
# Leaks are reported at exit and fail the test; aborts keep the first report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$root/scripts/tsan.supp}
[ $# -gt 0 ] || set -- -L 'unit|services' -E '^CliStack\.'
ctest --test-dir "$build" --output-on-failure --timeout 900 "$@"

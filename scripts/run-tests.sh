#!/usr/bin/env bash
# Runs every test suite once and prints one summary line per suite; exits
# non-zero if any failed. Called by `make test` after building.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${BUILD:-build}
failed=0
summary=()

run_suite() {
  local name=$1 t=$SECONDS took; shift
  echo "=== $name: $*"
  if "$@"; then took=$((SECONDS - t)); summary+=("PASS $name (${took} s)")
  else took=$((SECONDS - t)); summary+=("FAIL $name (${took} s)"); failed=1; fi
}

started=$SECONDS

# The house: formatting and layering, checked before anything runs.
run_suite "c++ format (clang-format)" scripts/check-format.sh
run_suite "layering" scripts/check-layering.sh
run_suite "prometheus rules (promtool)" scripts/check-prometheus.sh

# C++: unit tests, then integration tests against real PostgreSQL/Redis
# (the ctest fixture starts and stops them), then end-to-end and the attack
# suite through nginx.
run_suite "c++ (ctest)" ctest --test-dir "$build" --output-on-failure --timeout 900
# The unit and integration tests again, built with ASan and UBSan.
run_suite "c++ under ASan+UBSan" scripts/sanitize.sh address,undefined

if [ -f web/package.json ]; then
  run_suite "web unit (vitest)" bash -c "cd web && npm test --silent"
  run_suite "web typecheck (vue-tsc)" bash -c "cd web && npm run --silent typecheck"
  run_suite "web format (prettier --check)" bash -c "cd web && npm run --silent format:check"
  if [ -x scripts/e2e-web.sh ]; then
    run_suite "web end-to-end (playwright)" scripts/e2e-web.sh
  fi
fi

echo
printf '%s\n' "${summary[@]}"
passed_count=$(printf '%s\n' "${summary[@]}" | grep -c '^PASS' || true)
failed_count=$(printf '%s\n' "${summary[@]}" | grep -c '^FAIL' || true)
echo "suites: $passed_count passed, $failed_count failed, in $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s"
exit $failed

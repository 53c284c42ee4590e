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
  local name=$1; shift
  echo "=== $name: $*"
  if "$@"; then summary+=("PASS $name"); else summary+=("FAIL $name"); failed=1; fi
}

# C++: unit tests, then integration tests against real PostgreSQL/Redis
# (the ctest fixture starts and stops them), then end-to-end through nginx.
run_suite "c++ (ctest)" ctest --test-dir "$build" --output-on-failure --timeout 900

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
echo "suites: $passed_count passed, $failed_count failed"
exit $failed

#!/usr/bin/env bash
# Runs the benchmarks that exist in the build and prints their figures.
# Each benchmark measures its own baseline in the same run (raw hashing,
# nginx's static response), so compare ratios, not absolute numbers: the
# machine is shared and noisy. Figures are recorded in docs/performance.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
ran=0
for b in core_bench rfc3161_bench worker_bench backend_bench; do
  exe=$(find "$build/bench" -maxdepth 2 -type f -name "$b" -perm -u+x 2>/dev/null | head -n1)
  [ -n "$exe" ] || continue
  echo "=== $b"
  "$exe" "$@"
  ran=1
done
[ $ran = 1 ] || { echo "no benchmarks built (cmake -DINK_BENCH=ON)" >&2; exit 1; }

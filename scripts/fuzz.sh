#!/usr/bin/env bash
# Builds the decoder fuzzer with clang (libFuzzer + ASan + UBSan) in
# build-fuzz/ and runs it for a bounded time.
#   scripts/fuzz.sh [seconds]        (or FUZZ_SECONDS=..., default 60)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-fuzz"
seconds="${1:-${FUZZ_SECONDS:-60}}"
jobs="${FUZZ_BUILD_JOBS:-2}"

# ink_core itself is instrumented too (coverage + sanitizers), not only the target.
mkdir -p "$build"
CXX="${CXX:-clang++}" cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DINK_FUZZ=ON -DINK_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
  >"$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j"$jobs" --target decode_fuzz

corpus="$build/corpus/decode"
mkdir -p "$corpus" "$build/artifacts"
# Seeds: a few valid documents in both formats, if the corpus is new.
if [ -z "$(ls -A "$corpus")" ]; then
  printf '{"data": "sha512:cf83"}' >"$corpus/json-request"
  printf '[1, -2, "x", {"a": [true, null]}]' >"$corpus/json-mixed"
  printf '\xa1\x64data\x63abc' >"$corpus/cbor-request"
  printf '\x82\x05\x81\x58\x20%s' "$(printf 'A%.0s' $(seq 32))" >"$corpus/cbor-proof"
fi

cd "$build"
exec "$build/src/core/decode_fuzz" "$corpus" -max_total_time="$seconds" -max_len=4096 \
  -artifact_prefix="$build/artifacts/" -print_final_stats=1

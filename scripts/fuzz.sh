#!/usr/bin/env bash
# Builds every fuzz target with clang (libFuzzer + ASan + UBSan) in build-fuzz/
# and runs each for a bounded time:
#   decode_fuzz   the strict CBOR/JSON decoders (src/core)
#   proof_fuzz    proof files, heads and compact strings through the checker (src/core)
#   request_fuzz  the request path without sockets: routes, negotiation, query,
#                 framing, submissions (src/server)
#   scripts/fuzz.sh [seconds per target]      (or FUZZ_SECONDS=..., default 60)
#   FUZZ_TARGETS="proof_fuzz" scripts/fuzz.sh  (a subset)
# A crash leaves its input in build-fuzz/artifacts/; make it a unit test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-fuzz"
seconds="${1:-${FUZZ_SECONDS:-60}}"
jobs="${FUZZ_BUILD_JOBS:-2}"
targets=(${FUZZ_TARGETS:-decode_fuzz proof_fuzz request_fuzz})

# The libraries are instrumented too (coverage + sanitizers), not only the targets.
mkdir -p "$build"
CXX="${CXX:-clang++}" cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DINK_FUZZ=ON -DINK_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
  >"$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j"$jobs" --target "${targets[@]}"

seed() {  # seed CORPUS NAME CONTENT (printf format)
  [ -f "$1/$2" ] || printf "$3" >"$1/$2"
}

mkdir -p "$build/artifacts"
status=0
for target in "${targets[@]}"; do
  corpus="$build/corpus/${target%_fuzz}"
  mkdir -p "$corpus"
  case "$target" in
    decode_fuzz)
      seed "$corpus" json-request '{"data": "sha512:cf83"}'
      seed "$corpus" json-mixed '[1, -2, "x", {"a": [true, null]}]'
      seed "$corpus" cbor-request '\xa1\x64data\x63abc' ;;
    proof_fuzz)
      for f in "$root"/tests/vectors/*.json; do [ -f "$f" ] && cp -n "$f" "$corpus/" ; done
      seed "$corpus" compact-ts 'example.org/5#v1,2021-04-05T23:39:42.944682Z,gkCA'
      seed "$corpus" compact-head 'example.org/5#v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' ;;
    request_fuzz)
      seed "$corpus" post 'POST\n/api/v1/ts/?wait&tag=a%%20b\napplication/json;q=0.5, */*\napplication/json\nHost:x\rContent-Length:20\n{"data": "sha512:ab"}'
      seed "$corpus" get 'GET\n/v1/mth/5/in/7\napplication/cbor\n\nTransfer-Encoding:gzip, chunked\n' ;;
  esac
  echo "=== $target for ${seconds}s"
  dir=core
  [ "$target" = request_fuzz ] && dir=server
  (cd "$build" && "$build/src/$dir/$target" "$corpus" -max_total_time="$seconds" -max_len=4096 \
      -artifact_prefix="$build/artifacts/$target-" -print_final_stats=1) || status=1
done
exit $status

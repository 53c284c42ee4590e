#!/usr/bin/env bash
# Mutation check: each mutant below is a one-line change to code that makes
# a proof trustworthy (record hashing, CBOR ordering, Merkle proof checks,
# the verifier's steps). The script applies one at a time, rebuilds the unit
# tests and expects them to fail: a mutant that survives is a check the
# suite does not make. The source is restored after each mutant, also on
# Ctrl-C. Run: make mutants (about 10 minutes on 2 cores).
#
# Each mutant must compile under -Werror (so `|| true` keeps a variable
# used where deleting the comparison would leave it unused).
# Equivalent mutants are left out on purpose, for example reordering the
# writes of two CBOR keys whose canonical order the code already fixes by
# hand, or `<` → `<=` in the key comparison (two keys of a map are never
# equal).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
cd "$root"
[ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null

# file | exact text | replacement | unit test binary (target) | why it matters
mutants=(
  "src/core/record_hash.cpp|w.text(\"ts\");|w.text(\"tx\");|core_tests|ts record type"
  "src/core/record_hash.cpp|  w.text(\"1\");\n  w.text(\"timestamp\");\n  w.text(timestamp);|  w.text(\"2\");\n  w.text(\"timestamp\");\n  w.text(timestamp);|core_tests|ts record version"
  "src/core/record_hash.cpp|w.text(\"it\");|w.text(\"iv\");|core_tests|interval record type"
  "src/core/record_hash.cpp|w.uint(record.index);|w.uint(record.index + 1);|core_tests|interval index in the record"
  "src/core/cbor.cpp|return x->first.size() < y->first.size();|return x->first.size() > y->first.size();|core_tests|CBOR key order by length"
  "src/core/cbor.cpp|x->first.size()) < 0;|x->first.size()) > 0;|core_tests|CBOR key order by bytes"
  "src/core/verify.cpp|return current == root ? ProofError::kOk : ProofError::kRootMismatch;|return current == root \|\| true ? ProofError::kOk : ProofError::kRootMismatch;|core_tests|interval path root"
  "src/core/verify.cpp|return r == root ? ProofError::kOk : ProofError::kRootMismatch;|return r == root \|\| true ? ProofError::kOk : ProofError::kRootMismatch;|core_tests|inclusion root"
  "src/core/verify.cpp|if (a != inclusion_a(leaf, size)) return ProofError::kBadA;|if (a != inclusion_a(leaf, size) && false) return ProofError::kBadA;|core_tests|inclusion position a"
  "src/core/verify.cpp|if (fr != old_root) return ProofError::kOldRootMismatch;||core_tests|consistency old root"
  "src/core/verify.cpp|if (sr != new_root) return ProofError::kNewRootMismatch;||core_tests|consistency new root"
  "src/core/check.cpp|if (!ts_clock \|\| recomputed != answer.hash) {|if (!ts_clock \|\| (recomputed != answer.hash && false)) {|core_tests|ts hash step"
  "src/core/check.cpp|if (!verify_signature(*key, statement, head.signature)) {|if (false) {|core_tests|head signature step"
  "src/core/check.cpp|return key_id(k) == head.key;|return key_id(k) == head.key \|\| true;|core_tests|key id of the head"
  "src/cli/proof_check.cpp|bool same = current.mth == proof_head.mth;|bool same = true;|cli_tests|same interval, other head"
  "src/cli/proof_check.cpp|if (result != core::ProofError::kOk) {|if (false) {|cli_tests|consistency proof of ink verify"
)

survived=()
current=""
# The restored file is touched: its copy is older than the mutant's objects.
restore() {
  if [ -n "$current" ] && [ -f "$current.mutant-orig" ]; then
    mv "$current.mutant-orig" "$current"
    touch "$current"
  fi
  current=""
}
trap restore EXIT INT TERM

n=0
for m in "${mutants[@]}"; do
  IFS='|' read -r file from to target why <<<"$(printf '%s' "$m" | sed 's/\\|/\x01/g')"
  from=${from//$'\x01'/|}; to=${to//$'\x01'/|}
  n=$((n + 1))
  cp "$file" "$file.mutant-orig"; current=$file
  if ! FROM=$(printf '%b' "$from") TO=$(printf '%b' "$to") python3 - "$file" <<'PY'
import os, sys
path = sys.argv[1]
text = open(path).read()
old, new = os.environ["FROM"], os.environ["TO"]
if text.count(old) != 1:
    sys.exit(f"{path}: the mutant's text occurs {text.count(old)} times, expected once")
open(path, "w").write(text.replace(old, new))
PY
  then
    restore; echo "mutants: mutant $n ($why) no longer applies: update scripts/mutants.sh" >&2; exit 2
  fi
  if ! cmake --build "$build" -j"${JOBS:-2}" --target "$target" >"$build/mutant.log" 2>&1; then
    restore; echo "mutants: mutant $n ($why) does not build (see $build/mutant.log): a mutant must compile" >&2; exit 2
  elif "$build/src/${target%_tests}/$target" --gtest_brief=1 >"$build/mutant.log" 2>&1; then
    echo "SURVIVED $n  $why ($file)"; survived+=("$why")
  else
    echo "killed   $n  $why"
  fi
  restore
done
# Leave the build matching the source again.
cmake --build "$build" -j"${JOBS:-2}" --target core_tests cli_tests >/dev/null
if [ ${#survived[@]} -gt 0 ]; then
  echo "mutants: ${#survived[@]} of $n survived: ${survived[*]}"; exit 1
fi
echo "mutants: all $n killed"

#!/usr/bin/env bash
# Checks the house's layering (docs/architecture.md), failing with the
# offending lines:
#   * src/core is pure: no Asio/Beast, libpq, hiredis, spdlog or system I/O
#     headers, and its CMake target links OpenSSL's libcrypto and nlohmann-json only;
#   * Beast is included only by src/server, src/cli and src/ops (and tests, bench);
#   * nothing includes src/app (main() files);
#   * src/store, src/pubsub do not include src/server, src/worker, src/cli or src/ops.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
failed=0
fail() { echo "layering: $1"; shift; [ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/  /'; failed=1; }

# (Its tests read the shared vectors from disk; only the library is pure.)
core_io=$(grep -rnE '#include *[<"](boost/|libpq|hiredis/|spdlog/|sys/socket|netinet/|arpa/|fstream|thread|CLI/)' src/core \
  --exclude='*_test.cpp' --exclude='*_fuzz.cpp' --exclude='test_*.h' || true)
[ -z "$core_io" ] || fail "src/core must do no I/O (no such includes):" "$core_io"
core_links=$(sed -n 's/.*target_link_libraries(ink_core \(.*\))/\1/p' src/core/CMakeLists.txt)
[ "$core_links" = "PUBLIC OpenSSL::Crypto nlohmann_json::nlohmann_json" ] ||
  fail "ink_core must link libcrypto and nlohmann-json only, not: $core_links"

beast=$(grep -rln '#include *<boost/beast' src | grep -vE '^src/(server|cli|ops)/' || true)
[ -z "$beast" ] || fail "Beast outside src/server, src/cli and src/ops (the worker's metrics endpoint):" $beast

app=$(grep -rnE '#include *"app/' src tests bench || true)
[ -z "$app" ] || fail "nothing includes src/app:" "$app"

upward=$(grep -rnE '#include *"(server|worker|cli|audit|ops)/' src/store src/pubsub src/core || true)
[ -z "$upward" ] || fail "store, pubsub and core must not include the layers above them:" "$upward"

[ $failed = 0 ] && echo "layering: ok"
exit $failed

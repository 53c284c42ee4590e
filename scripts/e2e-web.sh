#!/usr/bin/env bash
# Browser end-to-end tests of the web page (web/, Playwright with Debian's
# chromium) against a whole stack started on free ports; stops it afterwards.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${INK_WEB_E2E_DIR:-$root/${BUILD:-build}/e2e-web-stack}
trap '"$root/scripts/e2e-stack.sh" stop "$dir" >/dev/null 2>&1 || true' EXIT
# nginx's own POST limit lifted and the backends' at its default, so the tests
# can tell the backends' per-client limit at work.
INK_INTERVAL=${INK_INTERVAL:-1} INK_PROXY_RATE=${INK_PROXY_RATE:-100000} INK_PROXY_BURST=${INK_PROXY_BURST:-100000} \
  INK_RATE_LIMIT=${INK_RATE_LIMIT:-50:100} \
  "$root/scripts/e2e-stack.sh" start "$dir"
set -a; . "$dir/stack.env"; set +a
cd "$root/web"
npm run test:e2e

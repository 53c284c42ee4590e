#!/usr/bin/env bash
# Lighthouse 12 (npm lighthouse@12.2.3, web/lighthouse/) against Debian's
# chromium, mobile preset (Lighthouse's default: a mid-range phone on a slow
# 4G link, simulated), and prints the scores of each page. Goals: performance
# >= 90, accessibility >= 95, best practices >= 95 (docs/performance.md).
#
#   scripts/lighthouse.sh                 # starts a stack on free ports, measures, stops it
#   INK_BASE_URL=http://127.0.0.1:23230 scripts/lighthouse.sh   # a running stack
#
# Reports (HTML and JSON) go to build/lighthouse/. Needs `make build web` first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/${BUILD:-build}/lighthouse
mkdir -p "$out"
(cd "$root/web/lighthouse" && { [ -x node_modules/.bin/lighthouse ] || npm ci --no-audit --no-fund; })

if [ -z "${INK_BASE_URL:-}" ]; then
  dir=$out/stack
  trap '"$root/scripts/e2e-stack.sh" stop "$dir" >/dev/null 2>&1 || true' EXIT
  INK_INTERVAL=${INK_INTERVAL:-2} "$root/scripts/e2e-stack.sh" start "$dir" >/dev/null
  set -a; . "$dir/stack.env"; set +a
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' RETURN 2>/dev/null || true
status=0
printf '%-10s %12s %14s %15s %5s\n' page performance accessibility best-practices seo
for page in / /verify /about; do
  name=$(echo "${page#/}" | tr -c 'a-z0-9\n' '-'); name=${name:-home}
  CHROME_PATH=${CHROMIUM_PATH:-/usr/bin/chromium} "$root/web/lighthouse/node_modules/.bin/lighthouse" "$INK_BASE_URL$page" \
    --quiet --output=json --output=html --output-path="$out/$name" \
    --only-categories=performance,accessibility,best-practices,seo \
    --chrome-flags="--headless=new --no-sandbox --disable-dev-shm-usage --disable-background-networking --user-data-dir=$profile/$name" \
    || { echo "lighthouse failed on $page" >&2; status=1; continue; }
  node -e '
    const r = require(process.argv[1]); const s = (c) => Math.round(r.categories[c].score * 100)
    const line = [s("performance"), s("accessibility"), s("best-practices"), s("seo")]
    console.log(process.argv[2].padEnd(10), String(line[0]).padStart(12), String(line[1]).padStart(14), String(line[2]).padStart(15), String(line[3]).padStart(5))
    if (line[0] < 90 || line[1] < 95 || line[2] < 95) process.exitCode = 3
  ' "$out/$name.report.json" "$page" || status=1
done
rm -rf "$profile"
echo "reports: $out/*.report.html"
exit $status

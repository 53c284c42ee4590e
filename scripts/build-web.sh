#!/usr/bin/env bash
# Installs the web page's npm packages (from package-lock.json) and builds it,
# skipping each step when nothing it depends on changed.
set -euo pipefail
cd "$(dirname "$0")/../web"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
out=.output/server/index.mjs
if [ -f "$out" ] && [ -z "$(find . \( -path ./node_modules -o -path ./.output -o -path ./.nuxt \
      -o -path ./test-results \) -prune -o -type f -newer "$out" -print -quit)" ]; then
  echo "web: up to date"
  exit 0
fi
npm run build

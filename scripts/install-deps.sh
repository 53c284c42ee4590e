#!/usr/bin/env bash
# Installs the Debian packages the project needs (only the missing ones).
# Works as root or as a user with sudo.
# Usage: scripts/install-deps.sh [--web] [--browser] [--promtool]
#   --promtool: also Debian's promtool, for `make test` (unpacked into
#   var/cache/prometheus, not installed: see scripts/lib/promtool.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
promtool=0

packages=(
  build-essential cmake pkg-config git ca-certificates
  libssl-dev libboost-dev libboost-system-dev libpq-dev libhiredis-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  postgresql redis-server nginx-light libnginx-mod-http-brotli-filter curl procps
  # RFC 3161 clients for tests/rfc3161 (Authenticode, Java signing, Python)
  osslsigncode openjdk-17-jdk-headless python3-rfc3161ng
)
for arg in "$@"; do
  case "$arg" in
    --web) packages+=(nodejs npm) ;;
    --browser) packages+=(chromium) ;;
    --promtool) promtool=1 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  # nodejs/npm may come from elsewhere on a developer machine: accept the commands.
  case "$p" in
    nodejs) command -v node >/dev/null && continue ;;
    npm) command -v npm >/dev/null && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # Debian starts these system-wide services on install; the project runs its own.
  for svc in redis-server nginx postgresql; do
    "${sudo_cmd[@]}" systemctl disable --now "$svc" >/dev/null 2>&1 || true
  done
fi

if [ "$promtool" = 1 ]; then
  # shellcheck source=scripts/lib/promtool.sh
  . "$root/scripts/lib/promtool.sh"
  fetch_promtool
fi

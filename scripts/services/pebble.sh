#!/usr/bin/env bash
# Makes sure Debian's `pebble` ACME test server and its `pebble-challtestsrv` DNS helper are installed. The
# tests start their own pebble and challtestsrv on free loopback ports (apps/agent/src/testing/pebble.ts); this
# script starts nothing.
# Usage: pebble.sh start
set -euo pipefail

have_binaries() { command -v pebble >/dev/null && command -v pebble-challtestsrv >/dev/null; }

start() {
  if have_binaries; then
    echo "pebble: installed ($(dpkg-query -W -f '${Version}' pebble 2>/dev/null || echo 'unknown version'))" >&2
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then echo "pebble: not installed and not root; run: sudo apt-get install -y pebble" >&2; exit 1; fi
  echo "pebble: installing Debian's pebble package" >&2
  export DEBIAN_FRONTEND=noninteractive CI=true
  apt-get update -qq >&2
  apt-get install -y -qq pebble >&2
  have_binaries || { echo "pebble: installation did not provide pebble and pebble-challtestsrv" >&2; exit 1; }
}

case "${1:-start}" in
  start) start ;;
  *) echo "usage: $0 start" >&2; exit 2 ;;
esac

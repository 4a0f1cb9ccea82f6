#!/usr/bin/env bash
# Makes sure Debian's `chromium` is installed: the dashboard's browser tests drive it with playwright-core
# (which downloads no browser of its own here). Starts nothing; each test launches its own headless browser.
# Usage: chromium.sh start
set -euo pipefail

start() {
  if command -v chromium >/dev/null; then
    echo "chromium: $(chromium --version 2>/dev/null | head -n 1) installed" >&2
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then echo "chromium: not installed and not root; run: sudo apt-get install -y chromium" >&2; exit 1; fi
  echo "chromium: installing Debian's chromium package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # Fonts so that pages (and their screenshots) render text rather than boxes.
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core fonts-liberation >&2
  command -v chromium >/dev/null || { echo "chromium: installation did not provide the chromium binary" >&2; exit 1; }
}

case "${1:-start}" in
  start) start ;;
  *) echo "usage: $0 start" >&2; exit 2 ;;
esac

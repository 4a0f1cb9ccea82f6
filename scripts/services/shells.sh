#!/usr/bin/env bash
# Makes sure the shells the CLI's completion scripts are tested in are installed: bash (always there), zsh and
# fish from Debian's packages, and python3 (its pty module drives `syn exec -it` in a pseudo-terminal).
# Starts nothing.
# Usage: shells.sh start
set -euo pipefail

start() {
  local missing=()
  command -v zsh >/dev/null || missing+=(zsh)
  command -v fish >/dev/null || missing+=(fish)
  command -v python3 >/dev/null || missing+=(python3)
  if [ "${#missing[@]}" -eq 0 ]; then
    echo "shells: zsh, fish and python3 installed" >&2
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then echo "shells: not root; run: sudo apt-get install -y ${missing[*]}" >&2; exit 1; fi
  echo "shells: installing ${missing[*]} from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

case "${1:-start}" in
  start) start ;;
  *) echo "usage: $0 start" >&2; exit 2 ;;
esac

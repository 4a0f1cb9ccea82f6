#!/usr/bin/env bash
# Starts a real ClickHouse HTTP server for the tests of the CLICKHOUSE_URL telemetry store, on loopback: ClickHouse
# 26 from libchdb (inside the `chdb` npm package; Debian's clickhouse-server is from 2018) run by a small C launcher
# (clickhouse-server.c) compiled here with gcc. Data lives in a throwaway folder.
# Usage: clickhouse.sh start|stop. `start` keeps a server this script already runs; its last line is the URL.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
state="${TMPDIR:-/tmp}/syntra-test-clickhouse-$(printf '%s' "$root" | sha256sum | cut -c1-12)"
lib="$root/node_modules/@chdb/lib-linux-x64-gnu"

fail() { echo "clickhouse: $*" >&2; exit 1; }

# shellcheck source=port.sh
source "$(dirname "$0")/port.sh"

running() { [ -f "$state/pid" ] && kill -0 "$(cat "$state/pid")" 2>/dev/null; }

answers() { [ "$(curl -s "http://127.0.0.1:$1/ping" || true)" = "Ok." ]; }

build() {
  [ -f "$lib/libchdb.so" ] || fail "libchdb.so not found in $lib (run npm ci first)"
  if ! command -v gcc >/dev/null; then
    [ "$(id -u)" -eq 0 ] || fail "gcc not installed and not root; run: sudo apt-get install -y gcc"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq gcc libc6-dev >&2
  fi
  command -v curl >/dev/null || fail "curl is needed"
  local src="$root/scripts/services/clickhouse-server.c" bin="$state/clickhouse-server"
  if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ] || [ "$lib/libchdb.so" -nt "$bin" ]; then
    gcc -O2 -o "$bin" "$src" -L"$lib" -lchdb -Wl,-rpath,"$lib"
  fi
}

start() {
  mkdir -p "$state"
  chmod 700 "$state"
  if running && [ -f "$state/port" ] && answers "$(cat "$state/port")"; then
    echo "http://127.0.0.1:$(cat "$state/port")"
    return
  fi
  build
  local port="${SYNTRA_TEST_CLICKHOUSE_PORT:-18123}"
  while port_busy "$port"; do port=$((port + 1)); done
  echo "$port" >"$state/port"
  rm -rf "$state/data"
  nohup "$state/clickhouse-server" "$state/data" "$port" >"$state/server.log" 2>&1 &
  echo $! >"$state/pid"
  # Loading the 550 MB library takes a moment; wait until the HTTP interface answers (or the process died).
  for _ in $(seq 1 600); do
    answers "$port" && { echo "http://127.0.0.1:$port"; return; }
    running || fail "the server exited: $(tail -n 5 "$state/server.log")"
    sleep 0.1
  done
  fail "no answer on port $port after 60 s: $(tail -n 5 "$state/server.log")"
}

stop() {
  running && kill "$(cat "$state/pid")" 2>/dev/null || true
  rm -f "$state/pid"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

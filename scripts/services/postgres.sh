#!/usr/bin/env bash
# Installs (when missing) and starts a throwaway PostgreSQL for the test suite, on loopback only.
# Usage: postgres.sh start|stop. `start` prints the connection URL on its last line.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# Outside the checkout: as root the server runs as the postgres user, who may not be allowed into it.
state="${TMPDIR:-/tmp}/syntra-test-postgres-$(printf '%s' "$root" | sha256sum | cut -c1-12)"

# shellcheck source=port.sh
source "$(dirname "$0")/port.sh"

# The port this cluster uses: remembered from its first start, else the first free one from 54329 up.
choose_port() {
  if [ -f "$state/port" ]; then cat "$state/port"; return; fi
  local p="${SYNTRA_TEST_PG_PORT:-54329}"
  while port_busy "$p"; do p=$((p + 1)); done
  echo "$p" > "$state/port"
  echo "$p"
}

pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

install_postgres() {
  if [ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ]; then return; fi
  echo "postgres: installing Debian's postgresql package" >&2
  if [ "$(id -u)" -ne 0 ]; then echo "postgres: not installed and not root; run: sudo apt-get install -y postgresql" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
}

# PostgreSQL refuses to run as root; as root the cluster belongs to the postgres system user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

start() {
  install_postgres
  local bin; bin=$(pg_bin)
  mkdir -p "$state"
  local port; port=$(choose_port)
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$state"; fi
  if [ ! -f "$state/data/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$state/data" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  if ! as_owner "$bin/pg_ctl" -D "$state/data" status >/dev/null 2>&1; then
    if port_busy "$port"; then echo "postgres: port $port is taken; remove $state/port to pick another" >&2; exit 1; fi
    as_owner "$bin/pg_ctl" -D "$state/data" -l "$state/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $state -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null
  fi
  echo "postgres://postgres@127.0.0.1:$port/postgres"
}

stop() {
  local bin; bin=$(pg_bin)
  [ -n "$bin" ] && [ -f "$state/data/PG_VERSION" ] || return 0
  as_owner "$bin/pg_ctl" -D "$state/data" -m fast stop >/dev/null 2>&1 || true
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Installs (when missing) and starts the OCI registry the build tests push to: Debian's docker-registry on
# loopback, htpasswd (bcrypt) authentication, no TLS (the engine allows plain HTTP to 127.0.0.0/8).
# Usage: registry.sh start|restart|stop. `start` keeps a registry this script already runs; `restart` replaces
# it. The address and credentials are written to $state/registry.env (SYNTRA_TEST_REGISTRY,
# SYNTRA_TEST_REGISTRY_USERNAME, SYNTRA_TEST_REGISTRY_PASSWORD); the last line printed is that file's path.
set -euo pipefail
state="${TMPDIR:-/tmp}/syntra-test-registry"
username="syntra"

fail() { echo "registry: $*" >&2; exit 1; }

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then fail "$* not installed and not root; run: sudo apt-get install -y $*"; fi
  echo "registry: installing Debian's $*" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "$@" >&2
}

install_tools() {
  local missing=()
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  command -v htpasswd >/dev/null || missing+=(apache2-utils)
  command -v curl >/dev/null || missing+=(curl)
  if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
  # The package's own service (on :5000, no auth) is not the one the tests use.
  if command -v systemctl >/dev/null && systemctl is-active --quiet docker-registry 2>/dev/null; then
    systemctl stop docker-registry || true
  fi
}

# shellcheck source=port.sh
source "$(dirname "$0")/port.sh"

running() { [ -f "$state/registry.pid" ] && kill -0 "$(cat "$state/registry.pid")" 2>/dev/null; }

# 401 from /v2/ means it is up and asks for credentials.
answers() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$1/v2/" || true)" = 401 ]; }

write_config() {
  local addr=$1
  mkdir -p "$state/data"
  chmod 700 "$state"
  if [ ! -f "$state/password" ]; then
    (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$state/password")
  fi
  htpasswd -Bbc "$state/htpasswd" "$username" "$(cat "$state/password")" 2>/dev/null
  cat >"$state/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $state/data
  delete:
    enabled: true
http:
  addr: $addr
  secret: $(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
auth:
  htpasswd:
    realm: syntra-test-registry
    path: $state/htpasswd
YAML
  (umask 077; cat >"$state/registry.env" <<ENV
SYNTRA_TEST_REGISTRY=$addr
SYNTRA_TEST_REGISTRY_USERNAME=$username
SYNTRA_TEST_REGISTRY_PASSWORD=$(cat "$state/password")
ENV
  )
}

stop() {
  if running; then
    kill "$(cat "$state/registry.pid")" 2>/dev/null || true
    for _ in $(seq 1 50); do running || break; sleep 0.1; done
  fi
  rm -f "$state/registry.pid"
}

start() {
  install_tools
  mkdir -p "$state"
  if running && [ -f "$state/registry.env" ]; then
    local addr; addr=$(sed -n 's/^SYNTRA_TEST_REGISTRY=//p' "$state/registry.env")
    if answers "$addr"; then
      echo "registry: running on $addr (credentials in $state/registry.env)" >&2
      echo "$state/registry.env"
      return
    fi
    stop
  fi
  local port="${SYNTRA_TEST_REGISTRY_PORT:-5000}"
  while port_busy "$port"; do port=$((port + 1)); done
  local addr="127.0.0.1:$port"
  write_config "$addr"
  nohup docker-registry serve "$state/config.yml" >"$state/registry.log" 2>&1 &
  echo $! >"$state/registry.pid"
  for _ in $(seq 1 100); do
    if answers "$addr"; then
      echo "registry: running on $addr (credentials in $state/registry.env)" >&2
      echo "$state/registry.env"
      return
    fi
    running || { tail -n 20 "$state/registry.log" >&2; fail "docker-registry exited; see $state/registry.log"; }
    sleep 0.1
  done
  fail "docker-registry did not answer on $addr within 10 s; see $state/registry.log"
}

case "${1:-start}" in
  start) start ;;
  restart) stop; start ;;
  stop) stop ;;
  *) echo "usage: $0 start|restart|stop" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Installs (when missing) and starts the Docker engine the agent's tests drive, then builds the base test
# image `syntra-test/busybox:latest` (busybox-static packed with `docker import`: no registry is reachable).
# Usage: docker.sh start|stop. `stop` only stops a dockerd this script started.
set -euo pipefail
state="${TMPDIR:-/tmp}/syntra-test-docker"
base_image="syntra-test/busybox:latest"
applets=(sh httpd wget nc sleep cat echo env printf ls mkdir kill true false)

fail() { echo "docker: $*" >&2; exit 1; }

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then fail "$* not installed and not root; run: sudo apt-get install -y $*"; fi
  echo "docker: installing Debian's $*" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "$@" >&2
}

engine_answers() { docker version >/dev/null 2>&1; }

install_docker() {
  if command -v dockerd >/dev/null && command -v docker >/dev/null; then return; fi
  apt_install docker.io
}

start_daemon() {
  if engine_answers; then return; fi
  if [ "$(id -u)" -ne 0 ]; then fail "the engine does not answer and only root can start dockerd"; fi
  mkdir -p "$state"
  echo "docker: starting dockerd (log: $state/dockerd.log)" >&2
  # Every project gets a network, and the tests create many at once: Docker's default pools hold about 30.
  # setsid: the engine outlives the shell (and process group) that started it; a job runner that ends the group of
  # the command which happened to start it would otherwise stop the engine under every other test run.
  setsid nohup dockerd --default-address-pool base=10.213.0.0/16,size=24 >"$state/dockerd.log" 2>&1 < /dev/null &
  echo $! >"$state/dockerd.pid"
  for _ in $(seq 1 60); do
    if engine_answers; then return; fi
    if ! kill -0 "$(cat "$state/dockerd.pid")" 2>/dev/null; then
      tail -n 20 "$state/dockerd.log" >&2 || true
      fail "dockerd exited during start-up; see $state/dockerd.log"
    fi
    sleep 1
  done
  fail "dockerd did not answer within 60 s; see $state/dockerd.log"
}

busybox_binary() {
  for candidate in /usr/bin/busybox /bin/busybox; do
    if [ -x "$candidate" ] && file_is_static "$candidate"; then echo "$candidate"; return; fi
  done
}

# The dynamically linked busybox package would need libc inside the image: only the static one will do.
file_is_static() { ! ldd "$1" >/dev/null 2>&1; }

build_base_image() {
  if docker image inspect "$base_image" >/dev/null 2>&1; then return; fi
  if [ -z "$(busybox_binary)" ]; then apt_install busybox-static; fi
  local busybox; busybox=$(busybox_binary)
  [ -n "$busybox" ] || fail "no statically linked busybox found after installing busybox-static"
  local dir; dir=$(mktemp -d)
  mkdir -p "$dir/rootfs/bin" "$dir/rootfs/tmp" "$dir/rootfs/etc"
  cp "$busybox" "$dir/rootfs/bin/busybox"
  for applet in "${applets[@]}"; do ln -s busybox "$dir/rootfs/bin/$applet"; done
  echo "root:x:0:0:root:/:/bin/sh" >"$dir/rootfs/etc/passwd"
  tar -C "$dir/rootfs" -cf "$dir/rootfs.tar" .
  if ! docker import -c 'ENV PATH=/bin' -c 'CMD ["sh"]' "$dir/rootfs.tar" "$base_image" >/dev/null; then
    rm -rf "$dir"
    fail "docker import of $base_image failed"
  fi
  rm -rf "$dir"
  echo "docker: built $base_image" >&2
}

start() {
  install_docker
  start_daemon
  build_base_image
  echo "docker: engine $(docker version --format '{{.Server.Version}}') ready, $base_image present" >&2
}

stop() {
  [ -f "$state/dockerd.pid" ] || return 0
  kill "$(cat "$state/dockerd.pid")" 2>/dev/null || true
  rm -f "$state/dockerd.pid"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

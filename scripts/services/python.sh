#!/usr/bin/env bash
# Python virtual environments that tests run clients in, one per requirements file in scripts/services/python/
# (<name>.txt -> .test-services/python/<name>), made with Debian's python3-venv and filled from PyPI. A venv is
# rebuilt when its requirements file changes. Usage: python.sh start. Prints the venvs' folder on its last line.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir="$root/.test-services/python"

install_venv_support() {
  if python3 -c 'import ensurepip, venv' 2>/dev/null; then return; fi
  echo "python: installing Debian's python3-venv" >&2
  if [ "$(id -u)" -ne 0 ]; then echo "python: python3-venv missing and not root; run: sudo apt-get install -y python3-venv" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq python3-venv >&2
}

start() {
  install_venv_support
  mkdir -p "$dir"
  for req in "$root"/scripts/services/python/*.txt; do
    name=$(basename "$req" .txt)
    venv="$dir/$name"
    sum=$(sha256sum "$req" | cut -c1-16)
    if [ -f "$venv/.requirements-$sum" ]; then continue; fi
    echo "python: making the venv $name" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$req" >&2
    touch "$venv/.requirements-$sum"
  done
  echo "$dir"
}

case "${1:-}" in
  start) start ;;
  *) echo "usage: $0 start" >&2; exit 2 ;;
esac

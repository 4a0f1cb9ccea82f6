#!/usr/bin/env bash
# Installs schemathesis (from PyPI) into a virtual environment of its own, for the API fuzzing test
# (apps/server/src/http/schemathesis.test.ts). Idempotent: an existing venv with the pinned version is kept.
# The last line printed is the path of the `schemathesis` executable; tests find it through
# $SYNTRA_SCHEMATHESIS (test.sh exports it) or at that path.
set -euo pipefail
version="4.32.5"
venv="${SYNTRA_SCHEMATHESIS_VENV:-${TMPDIR:-/tmp}/syntra-test-schemathesis}"

fail() { echo "schemathesis: $*" >&2; exit 1; }

if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then fail "python3-venv not installed and not root; run: sudo apt-get install -y python3-venv"; fi
  echo "schemathesis: installing Debian's python3-venv" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq python3-venv >&2
fi

if [ ! -x "$venv/bin/schemathesis" ] || [ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" != "$version" ]; then
  echo "schemathesis: installing $version into $venv" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$version" >&2
fi
echo "$venv/bin/schemathesis"

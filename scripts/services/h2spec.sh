#!/usr/bin/env bash
# h2spec, the HTTP/2 conformance suite, for the test of the agent's own HTTP/2 server (OTLP/gRPC): built with
# `go install` from the Go module proxy into .test-services/go/bin/ once. Prints the path of the binary.
# Usage: h2spec.sh start
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=v2.2.1+incompatible
bin="$PWD/.test-services/go/bin"

start() {
  if [ -x "$bin/h2spec" ] && [ "$(cat "$bin/h2spec.version" 2>/dev/null)" = "$VERSION" ]; then echo "$bin/h2spec"; return; fi
  command -v go >/dev/null || { echo "h2spec: the go command is needed to build it" >&2; exit 1; }
  echo "h2spec: building $VERSION from the Go module proxy" >&2
  mkdir -p "$bin"
  GOBIN="$bin" GOFLAGS=-mod=mod go install "github.com/summerwind/h2spec/cmd/h2spec@$VERSION" >&2
  echo "$VERSION" >"$bin/h2spec.version"
  echo "$bin/h2spec"
}

case "${1:-start}" in
  start) start ;;
  *) echo "usage: $0 start" >&2; exit 2 ;;
esac

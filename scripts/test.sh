#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, starts the services the tests talk to,
# type-checks and lints, builds, then runs every test on PGlite, the server's tests again on PostgreSQL, and the
# unit tests (scripts/unit-tests.ts) again on Node 24 when the system's Node is older.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step's heading says when it started, in seconds since the script did.
step() { echo "== [$SECONDS s] $*"; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# Each agent's dnsmasq, Node's file watchers and dockerd's log followers take an inotify instance; Debian's default
# of 128 per user runs out when the suite runs many agents side by side ("failed to create inotify").
if [ "$(id -u)" -eq 0 ] && [ "$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo 1024)" -lt 1024 ]; then
  sysctl -qw fs.inotify.max_user_instances=1024 || echo "warning: could not raise fs.inotify.max_user_instances" >&2
fi

# The type-check and lint run while the services start and the builds run (they wait on installs and daemons more
# than on the cores); their result is read before the first test starts.
step "type-check and lint, in the background"
check_log=$(mktemp)
(npx tsc -b tsconfig.json && npx biome check .) >"$check_log" 2>&1 &
check_pid=$!

pg_url=$(bash scripts/services/postgres.sh start | tail -n 1)
bash scripts/services/docker.sh start
# Project networks earlier runs left behind (a killed test, say) would use up Docker's address pools.
docker network prune -f --filter label=dev.syntra.managed=true >/dev/null
bash scripts/services/caddy.sh start
bash scripts/services/dnsmasq.sh start
bash scripts/services/chromium.sh start
bash scripts/services/shells.sh start
bash scripts/services/pebble.sh start
bash scripts/services/registry.sh start >/dev/null
# Node 24, the current LTS, for a second pass of the unit tests (the system's own node when it is that new).
node24=$(bash scripts/services/node24.sh start | tail -n 1)
# Python tools the tests run (sentry-sdk with and without brotli, schemathesis; the Python SDK's frameworks and
# tools), in venvs under .test-services/python.
bash scripts/services/python.sh start >/dev/null
clickhouse_url=$(bash scripts/services/clickhouse.sh start | tail -n 1)
# h2spec (the HTTP/2 conformance suite, built from the Go module proxy) for the agent's own HTTP/2 server.
bash scripts/services/h2spec.sh start >/dev/null

# Once, before the test processes start: the dashboard and the compiled control plane (`npm start`'s prestart),
# so no two test processes build them at the same time.
step "build"
node --import tsx scripts/build.ts

# The slow files first (the lists each pass prints), so that a pass does not end with one long file running alone.
# The JavaScript SDK's tests run in a step of their own below, which also measures their coverage.
slow='^e2e/|^apps/server/src/(http/(schemathesis|rbac)|ai/dockerfile/generate-offline)\.test\.ts$'
mapfile -t all_tests < <(
  find apps packages e2e -name '*.test.ts' -not -path '*/node_modules/*' -not -path 'packages/sdk-js/*' 2>/dev/null |
    sort | awk -v slow="$slow" '$0 ~ slow { print; next } { rest[n++] = $0 } END { for (i = 0; i < n; i++) print rest[i] }'
)
# The builder's own tests and the Dockerfile generator's (Docker builds, a row or two in the database) run once, and
# so does the schema fuzzer (the API's contract, whatever the store; 2 minutes): the second pass is for what the
# database changes. The replicas' end-to-end test needs a shared PostgreSQL server (it is skipped on PGlite), so it
# runs in this pass.
mapfile -t db_tests < <(printf '%s\n' "${all_tests[@]}" | grep -E '^(apps/server/|e2e/replicas-)' |
  grep -v -E '^apps/server/src/(builds/builder/|ai/dockerfile/|http/schemathesis\.test\.ts$)')

# Every test file compiled to plain JavaScript once (scripts/bundle-tests.ts): ~1.5 CPU-seconds less per test process
# than loading TypeScript through tsx, and the suite starts ~370 of them.
step "compile the test files"
mapfile -t store_tests < <(node --import tsx scripts/bundle-tests.ts --print-store-dependent "${all_tests[@]}")
# The second pass runs only the tests whose outcome can depend on the store (their compiled code includes the
# relational or the telemetry store's, or they read the test store's URL).
mapfile -t db_tests < <(printf '%s\n' "${db_tests[@]}" | grep -x -F -f <(printf '%s\n' "${store_tests[@]}"))
compiled() { for f in "$@"; do f="${f%.ts}"; printf '.test-build/%s.mjs\n' "$f"; done; }

# TAP on stdout; the slowest files of the pass into $times (scripts/test-file-times.mjs), printed after it.
times=$(mktemp)
# run <concurrency> <test file>...
run() {
  local concurrency=$1
  shift
  node --test --test-concurrency="$concurrency" --test-timeout=300000 \
    --test-reporter=tap --test-reporter-destination=stdout \
    --test-reporter=./scripts/test-file-times.mjs --test-reporter-destination="$times" \
    $(compiled "$@")
}

# How busy the machine's cores were since `cpu_mark` (from /proc/stat), printed after each pass: the figure that says
# whether more test processes at once would shorten the run or only slow each one down.
cpu_mark() { awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6}' /proc/stat; }
cpu_busy_since() {
  local busy0 idle0 busy1 idle1
  read -r busy0 idle0 <<<"$1"
  read -r busy1 idle1 < <(cpu_mark)
  awk -v b=$((busy1 - busy0)) -v i=$((idle1 - idle0)) -v n="$(nproc)" -v what="$2" -v t="$SECONDS" \
    'BEGIN { if (b + i > 0) printf "== [%d s] %s: the %d cores were %.0f%% busy\n", t, what, n, 100 * b / (b + i) }'
}

check_status=0
wait "$check_pid" || check_status=$?
cat "$check_log"
rm -f "$check_log"
if [ "$check_status" -ne 0 ]; then
  step "failed: the type-check or the lint (exit $check_status)"
  exit 1
fi
step "type-check and lint passed"

step "${#all_tests[@]} test files on PGlite"
mark=$(cpu_mark)
# Three test processes at once: with two, a quarter of the cores' time went idle while the end-to-end tests waited
# on Docker, Caddy and browsers. The PostgreSQL pass keeps two: the Node 24 and SDK steps run beside it.
run "${TEST_CONCURRENCY:-3}" "${all_tests[@]}"
cpu_busy_since "$mark" "PGlite pass"
cat "$times"

# Beside the PostgreSQL pass (CI's time is bounded; the SDK steps mostly wait on builds and their own control
# planes): the Node 24 unit pass and both SDKs' tests, each step's output kept in a log printed when it ends.
side_log=$(mktemp)
(
  set -e
  if [ "$node24" != "$(command -v node)" ]; then
    step "quick unit tests on Node $("$node24" --version) ($(node --import tsx scripts/unit-tests.ts --quick --list | wc -l) files; scripts/unit-tests.ts)"
    node --import tsx scripts/unit-tests.ts --quick --compiled --node "$node24"
  fi

  # Both SDKs report to a real control plane their tests start; each prints its coverage and fails below 90%.
  step "@syntra/sdk (JavaScript) tests and coverage"
  node --import tsx packages/sdk-js/scripts/coverage.ts --threshold 90

  step "syntra-sdk (Python): ruff, pytest and coverage"
  py="$(pwd)/.test-services/python/sdk/bin"
  cd packages/sdk-python
  "$py/ruff" check src tests
  "$py/ruff" format --check src tests
  PYTHONPATH=src:tests "$py/pytest" -q -p no:cacheprovider --cov=syntra_sdk --cov-report=term-missing --cov-fail-under=90 tests
) >"$side_log" 2>&1 &
side_pid=$!

# The second pass also stores telemetry on the ClickHouse HTTP server instead of chDB.
step "${#db_tests[@]} server test files on PostgreSQL ($pg_url) and ClickHouse ($clickhouse_url)"
db_status=0
mark=$(cpu_mark)
TEST_DATABASE_URL="$pg_url" TEST_CLICKHOUSE_URL="$clickhouse_url" run "${TEST_CONCURRENCY:-2}" "${db_tests[@]}" || db_status=$?
cpu_busy_since "$mark" "PostgreSQL pass (with the Node 24 and SDK steps beside it)"
cat "$times"
rm -f "$times"

side_status=0
wait "$side_pid" || side_status=$?
cat "$side_log"
rm -f "$side_log"
if [ "$db_status" -ne 0 ] || [ "$side_status" -ne 0 ]; then
  step "failed: PostgreSQL pass exit $db_status, Node 24 and SDK steps exit $side_status"
  exit 1
fi

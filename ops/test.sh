#!/usr/bin/env bash
# Runs every test against a throwaway PostgreSQL, then stops and removes it.
# Exits non-zero on any failure. Usage: ops/test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

port=${CT_TEST_PG_PORT:-55433}
data=$(mktemp -d /tmp/contracttherapy-testdb.XXXXXX)
chmod 755 "$data"
cleanup() { ops/postgres.sh stop "$data" || true; rm -rf "$data"; }
trap cleanup EXIT

ops/fonts.sh
ops/postgres.sh start "$data" "$port"
export CT_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"

log=$(mktemp)
set +e
dotnet test ContractTherapy.sln -c Release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')

# The web app's browser tests (Chromium against a real host on this cluster); skipped when
# arguments filter the .NET tests, unless CT_WEB_TESTS=1.
if [ $# -eq 0 ] || [ "${CT_WEB_TESTS:-}" = "1" ]; then
  set +e
  ops/web.sh test "$data" "$port" 2>&1 | tee "$log"
  web_status=${PIPESTATUS[0]}
  set -e
  web_passed=$(grep -oE '^# pass [0-9]+' "$log" | awk '{s+=$3} END {print s+0}')
  web_failed=$(grep -oE '^# fail [0-9]+' "$log" | awk '{s+=$3} END {print s+0}')
  # A harness that failed before its tests ran still counts as a failure.
  [ "$web_status" -ne 0 ] && [ "$web_failed" -eq 0 ] && web_failed=1
  echo "browser tests: $web_passed passed, $web_failed failed"
  passed=$((passed + web_passed)); failed=$((failed + web_failed))
  [ "$web_status" -ne 0 ] && [ "$status" -eq 0 ] && status=$web_status
fi
rm -f "$log"

# One closing line in the plain form CI reads: "N passed, N failed" (.NET and browser tests).
echo "$passed passed, $failed failed"
exit "$status"

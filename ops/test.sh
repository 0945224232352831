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

# One closing line in the plain form CI reads: "N passed, N failed".
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
echo "$passed passed, $failed failed"
exit "$status"

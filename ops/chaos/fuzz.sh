#!/usr/bin/env bash
# Fuzzes the API: [count] requests (default 10000) generated from the OpenAPI document against
# every endpoint with valid tokens of every role (tests/ContractTherapy.Tests/Security/FuzzTests.cs),
# on a throwaway PostgreSQL through ops/test.sh. Fails on any 5xx, any 4xx that is not problem
# details (or names a product type, or a 400 other than the API's validation problem), or any event
# appended by a refused request. Prints the figures; a failure lists the
# requests. Usage: ops/chaos/fuzz.sh [count]   (CT_FUZZ_SEED=<n> replays a run; CT_TEST_PG_PORT as for ops/test.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."

count=${1:-10000}
seed=${CT_FUZZ_SEED:-$RANDOM$RANDOM}
report=$(mktemp /tmp/contracttherapy-fuzz.XXXXXX)
trap 'rm -f "$report"' EXIT

set +e
CT_FUZZ_COUNT=$count CT_FUZZ_SEED=$seed CT_FUZZ_REPORT=$report \
  ops/test.sh --filter "FullyQualifiedName~ContractTherapy.Tests.Security.FuzzTests" >/dev/null 2>&1
status=$?
set -e
if [ ! -s "$report" ]; then
  echo "fuzz: the run produced no report (exit $status); run ops/test.sh --filter FullyQualifiedName~FuzzTests to see why" >&2
  exit 1
fi
cat "$report"
exit "$status"

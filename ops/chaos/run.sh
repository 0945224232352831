#!/usr/bin/env bash
# The chaos command (issue 10): each scenario starts its own PostgreSQL, a fault-injecting fake
# Stripe and real host processes, injects faults (SIGKILL, database restarts and stops, Stripe
# errors and timeouts, a node lost) and checks from the database and the fake Stripe's ledger
# what was lost or doubled. Prints one markdown table; keep it in ops/chaos/README.md.
#   ops/chaos/run.sh                    every scenario, full size
#   ops/chaos/run.sh --short            every scenario, small (a couple of minutes)
#   ops/chaos/run.sh payouts two-nodes  only the scenarios named (payouts, visits-crash, database, two-nodes, fuzz)
# CT_CHAOS_SEED=<n> replays a run's random choices; CT_CHAOS_KEEP=1 keeps the folders and host logs.
# Not part of ops/test.sh: a chaos run is not a unit of the test suite.
set -euo pipefail
cd "$(dirname "$0")/../.."

ops/fonts.sh
dotnet build src/Host -c Release -v q -nologo >/dev/null
dotnet build tests/ContractTherapy.Chaos -c Release -v q -nologo >/dev/null
source ops/host-runtime.sh  # the hosts the scenarios start inherit the product's runtime settings
exec dotnet tests/ContractTherapy.Chaos/bin/Release/net10.0/ContractTherapy.Chaos.dll "$@"

#!/usr/bin/env bash
# Benchmark: how long after a write answers the next screen shows it, for every place where the
# answer comes before the state that screen reads (async projection, subscription, messages).
# Measures each delay at rest, then while visits are logged at full speed (wrk, 32 connections,
# another tenant), and prints a markdown table row per delay and condition.
# Starts its own PostgreSQL and Release host (ops/bench/lib.sh; ports BENCH_PG_PORT / BENCH_HTTP_PORT).
#   ops/bench/lag.sh [samples=20] [restarts=3]
set -euo pipefail
cd "$(dirname "$0")/../.."

samples=${1:-20}
restarts=${2:-3}
connections=32
command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3; }
source ops/bench/lib.sh

wrk_pid=""
stop_load() { [ -n "$wrk_pid" ] && kill -INT "$wrk_pid" 2>/dev/null && wait "$wrk_pid" 2>/dev/null; wrk_pid=""; }
trap 'stop_load; [ -n "${BENCH_HOST_LOG:-}" ] && cp "$data/host.log" "$BENCH_HOST_LOG"; cleanup' EXIT

echo "| delay | condition | samples | p50 | p99 | read | target |"
echo "|---|---|---|---|---|---|---|"
python3 ops/bench/lag.py "$url" "lag-rest-$$" "$samples" "at rest"

# Under load: visits at full speed in the bench tenant for as long as the measurement takes.
wrk -t2 -c"$connections" -d600s -s ops/bench/log-visits.lua "$url" > "$data/wrk.log" 2>&1 &
wrk_pid=$!
sleep 5
python3 ops/bench/lag.py "$url" "lag-load-$$" "$samples" "under load"
stop_load
grep -E "^(requests|throughput)" "$data/wrk.log" | sed 's/^/load: /' >&2 || true

# Just after a start: the agents that run the async projections and the chain are assigned by
# the leader's health check, so the first writes after a start wait for that (one sample a start).
for i in $(seq 1 "${restarts:-3}"); do
  stop_host
  start_host
  LAG_SAMPLES="$data/start.jsonl" python3 ops/bench/lag.py "$url" "lag-start-$$-$i" 1 "just after start"
done
python3 ops/bench/lag.py --summarize "$data/start.jsonl" "just after start ($restarts starts)"

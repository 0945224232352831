#!/usr/bin/env bash
# Benchmark: logging visits through the API (issue 3's target: >= 2,000 visits/s at 32
# concurrent clients, p99 < 100 ms, host memory < 400 MB), on this machine, with PostgreSQL
# beside it. Starts its own PostgreSQL (port 55434) and host (Release, port 5090), sets up a
# tenant with 32 placed contractors through the API, warms up, then runs wrk.
#   ops/bench/visits.sh [duration-seconds=30] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/../.."

duration=${1:-30}
connections=${2:-32}
source ops/bench/lib.sh

echo "warm-up (10 s)..."
wrk -t2 -c"$connections" -d10s -s ops/bench/log-visits.lua "$url" >/dev/null
echo "measuring ($duration s, $connections connections)..."
wrk -t2 -c"$connections" -d"${duration}s" --latency -s ops/bench/log-visits.lua "$url" | grep -E "^(requests|throughput|latency|unexpected)"
rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$host_pid/status")
echo "host peak memory (VmHWM): ${rss} MB"

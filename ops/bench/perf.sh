#!/usr/bin/env bash
# Where the host's CPU goes while it logs visits: Linux `perf` samples the host process's on-CPU
# stacks (the runtime writes /tmp/perf-PID.map so JIT-compiled .NET methods have names), unlike
# dotnet-trace's thread-time sampling, which on a busy machine mostly shows threads waiting.
# Prints the busiest methods by self time and by inclusive time; perf.data stays in [out-dir].
# Same setup as the other benchmarks (ops/bench/lib.sh).
#   ops/bench/perf.sh [seconds=15] [out-dir=/tmp/contracttherapy-perf]
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-15}
out=${2:-/tmp/contracttherapy-perf}
connections=${BENCH_CONNECTIONS:-32}
mkdir -p "$out"
command -v perf >/dev/null || { apt-get update -qq && apt-get install -y -qq linux-perf; }
# W^X off: JIT code in a double-mapped memfd cannot be matched with the perf map.
export BENCH_HOST_ENV="${BENCH_HOST_ENV:-} DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0"
source ops/bench/lib.sh

warmup=${BENCH_WARMUP:-20}
echo "warm-up ($warmup s)..." >&2
wrk -t2 -c"$connections" -d"${warmup}s" -s ops/bench/log-visits.lua "$url" >/dev/null
echo "sampling ($seconds s, load average $(cut -d' ' -f1-3 /proc/loadavg))..." >&2
wrk -t2 -c"$connections" -d"$((seconds + 2))s" --latency -s ops/bench/log-visits.lua "$url" > "$out/wrk.log" &
wrk_pid=$!
sleep 1
perf record -F 999 -g -p "$host_pid" -o "$out/perf.data" -- sleep "$seconds" 2> "$out/record.log"
wait "$wrk_pid" || true
grep -E "^(throughput|latency|unexpected)" "$out/wrk.log"
ops/bench/perf-report.sh "$out" "$host_pid"

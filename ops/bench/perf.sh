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
cp "/tmp/perf-$host_pid.map" "$out/" 2>/dev/null || true
echo "== self time (top 40)"
perf report -i "$out/perf.data" --no-children --sort symbol --stdio -g none --percent-limit 0.4 2>/dev/null | grep -v '^#' | grep -v '^$' | head -40 || true
echo "== inclusive time (top 60)"
perf report -i "$out/perf.data" --children --sort symbol --stdio -g none --percent-limit 2 2>/dev/null | grep -v '^#' | grep -v '^$' | head -60 || true
echo "== self time by where the code came from (JIT tier, runtime, kernel)"
perf report -i "$out/perf.data" --no-children --sort dso,symbol --stdio -g none --percent-limit 0 2>/dev/null | python3 -c '
import re, sys, collections
by = collections.Counter()
for line in sys.stdin:
    m = re.match(r"\s*([\d.]+)%\s+(\S+)", line)
    if not m: continue
    pct, dso = float(m.group(1)), m.group(2)
    if dso.startswith("[JIT]"):
        t = re.search(r"\[(QuickJitted|OptimizedTier1OSR|OptimizedTier1|Optimized|Tier0|InstrumentedTierOptimized|InstrumentedTier|PreJIT)\]", line)
        by["JIT-compiled code, " + (t.group(1) if t else "stubs")] += pct
    elif dso.endswith(".dll"): by["ReadyToRun code (framework)"] += pct
    elif dso == "[kernel.kallsyms]": by["kernel"] += pct
    else: by[dso] += pct
for k, v in by.most_common(): print(f"{v:6.2f}%  {k}")
'

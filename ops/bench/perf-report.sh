#!/usr/bin/env bash
# The report of a `perf record -g` of the host, as every benchmark that samples it prints it (perf.sh, replay.sh's
# BENCH_REPLAY_PERF, all.sh --close's BENCH_PERF_DIR): the busiest methods by self time and by inclusive time, and self
# time by where the code came from (JIT tier, ReadyToRun, runtime, kernel). Keeps the host's JIT map beside perf.data
# (the runtime writes /tmp/perf-PID.map with DOTNET_PerfMapEnabled=1) so the report can be read again later.
#   ops/bench/perf-report.sh <dir holding perf.data> <host pid>
set -uo pipefail
dir=${1:?dir}; pid=${2:?host pid}
cp "/tmp/perf-$pid.map" "$dir/" 2>/dev/null || true
report() { perf report -i "$dir/perf.data" --stdio -g none "$@" 2>/dev/null | grep -v '^#' | grep -v '^$'; }
echo "== self time (top 40)"
report --no-children --sort symbol --percent-limit 0.4 | head -40
echo "== inclusive time (top 60)"
report --children --sort symbol --percent-limit 2 | head -60
echo "== self time by where the code came from (JIT tier, runtime, kernel)"
report --no-children --sort dso,symbol --percent-limit 0 | python3 -c '
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
exit 0

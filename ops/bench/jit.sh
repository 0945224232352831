#!/usr/bin/env bash
# Is the host still compiling code while it logs visits? Starts the host with the JIT's own
# listing (DOTNET_JitStdOutFile, DOTNET_JitDisasmSummary: one line per method compiled, with its
# tier), logs visits with wrk (32 clients) for [warm-up] s, then for [seconds] s more, and
# summarizes what was compiled during the second window: by tier and by namespace.
# Same setup as the other benchmarks (ops/bench/lib.sh; BENCH_PG_PORT / BENCH_HTTP_PORT).
#   ops/bench/jit.sh [warm-up=30] [seconds=20]
set -euo pipefail
cd "$(dirname "$0")/../.."

warmup=${1:-30}
seconds=${2:-20}
connections=32
listing=$(mktemp /tmp/contracttherapy-jit.XXXXXX)
export BENCH_HOST_ENV="DOTNET_JitStdOutFile=$listing DOTNET_JitDisasmSummary=1"
source ops/bench/lib.sh
trap 'cleanup; rm -f "$listing"' EXIT

echo "after start and setup: $(wc -l < "$listing") methods compiled"
wrk -t2 -c"$connections" -d"${warmup}s" -s ops/bench/log-visits.lua "$url" | grep -E "^throughput"
before=$(wc -l < "$listing")
echo "after ${warmup} s of load: $before methods compiled"
wrk -t2 -c"$connections" -d"${seconds}s" -s ops/bench/log-visits.lua "$url" | grep -E "^throughput"
after=$(wc -l < "$listing")
echo "during the next ${seconds} s: $((after - before)) methods compiled"
tail -n +"$((before + 1))" "$listing" | head -n "$((after - before))" > "$listing.window"
echo "by tier:"
sed -n 's/.*\[\([^,]*\),.*/\1/p' "$listing.window" | sort | uniq -c | sort -rn | head
echo "by namespace (first two parts), top 20:"
sed -n 's/^ *[0-9]*: JIT compiled \([^:(]*\).*/\1/p' "$listing.window" | awk -F. '{print $1"."$2}' | sort | uniq -c | sort -rn | head -20
echo "the whole run ($(wc -l < "$listing") methods): $(grep -c ' Microsoft\.CodeAnalysis' "$listing" || true) in Microsoft.CodeAnalysis (Roslyn), $(grep -c 'JIT compiled Internal\.Generated\.' "$listing" || true) in generated handler and endpoint code"
echo "a sample:"
shuf -n 25 --random-source=<(yes) "$listing.window" || true
rm -f "$listing.window"

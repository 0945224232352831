#!/usr/bin/env bash
# Where a visit's time goes: drives POST /api/visits with wrk (32 clients) for [seconds] while
#  - PostgreSQL's pg_stat_statements counts every statement (printed per visit: calls, time),
#  - dotnet-trace samples the host's thread stacks (dotnet-sampled-thread-time; the busiest
#    methods are printed, the .nettrace is kept in [out-dir] for PerfView or speedscope),
#  - dotnet-counters records the runtime's counters (CPU, GC, thread pool, lock contention).
# Same setup as the other benchmarks (ops/bench/lib.sh; BENCH_PG_PORT / BENCH_HTTP_PORT).
#   ops/bench/profile.sh [seconds=20] [out-dir=/tmp/contracttherapy-profile]
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-20}
out=${2:-/tmp/contracttherapy-profile}
connections=32
mkdir -p "$out"
dotnet tool restore >/dev/null
export BENCH_PG_STATEMENTS=1
source ops/bench/lib.sh

sql "create extension if not exists pg_stat_statements" >/dev/null
echo "warm-up (10 s)..." >&2
wrk -t2 -c"$connections" -d10s -s ops/bench/log-visits.lua "$url" >/dev/null
visits_before=$(sql "select count(*) from contracttherapy.mt_events where type = 'visit_logged'")
sql "select pg_stat_statements_reset()" >/dev/null

echo "profiling ($seconds s)..." >&2
dotnet dotnet-trace collect -p "$host_pid" --profile dotnet-sampled-thread-time --duration "00:00:00:$seconds" \
  -o "$out/visits.nettrace" > "$out/trace.log" 2>&1 &
trace_pid=$!
dotnet dotnet-counters collect -p "$host_pid" --counters System.Runtime,Microsoft.AspNetCore.Hosting,Npgsql --refresh-interval 5 \
  --duration "00:00:00:$seconds" --format csv -o "$out/counters.csv" > "$out/counters.log" 2>&1 &
counters_pid=$!
sleep 2
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s ops/bench/log-visits.lua "$url" | grep -E "^(requests|throughput|latency|unexpected)"
wait "$trace_pid" || true
wait "$counters_pid" || true
visits=$(( $(sql "select count(*) from contracttherapy.mt_events where type = 'visit_logged'") - visits_before ))
echo "visits logged while statements were counted: $visits"

echo
echo "## PostgreSQL, per visit (pg_stat_statements, top 25 by total time)"
echo "| calls/visit | ms/visit | mean ms | rows/call | statement |"
echo "|---|---|---|---|---|"
sql "select round(calls::numeric / $visits, 2) || ' | ' || round((total_exec_time / $visits)::numeric, 3) || ' | ' ||
            round(mean_exec_time::numeric, 3) || ' | ' || round(rows::numeric / greatest(calls, 1), 1) || ' | \`' ||
            left(regexp_replace(query, '\s+', ' ', 'g'), 160) || '\`'
     from pg_stat_statements where dbid = (select oid from pg_database where datname = 'bench')
     order by total_exec_time desc limit 25"
echo
echo "statements per visit: $(sql "select round(sum(calls)::numeric / $visits, 1) from pg_stat_statements where dbid = (select oid from pg_database where datname = 'bench')"),"\
     "database time per visit: $(sql "select round((sum(total_exec_time) / $visits)::numeric, 2) from pg_stat_statements where dbid = (select oid from pg_database where datname = 'bench')") ms"

echo
echo "## Host thread time (dotnet-trace, dotnet-sampled-thread-time): top 30 methods, exclusive"
dotnet dotnet-trace report "$out/visits.nettrace" topN -n 30 2>&1 | tail -32 || true
echo
echo "## Host thread time: top 40 methods, inclusive"
dotnet dotnet-trace report "$out/visits.nettrace" topN -n 40 --inclusive 2>&1 | tail -42 || true
echo
echo "## Runtime counters (last sample of each; $out/counters.csv has them all)"
python3 - "$out/counters.csv" <<'PY' || true
import csv, sys
last = {}
with open(sys.argv[1]) as f:
    for r in csv.DictReader(f):
        last[(r.get("Provider"), r.get("Counter Name"))] = r.get("Mean/Increment")
for (p, n), v in sorted(last.items()):
    print(f"- {p} / {n}: {v}")
PY
echo "(trace and counters kept in $out)"

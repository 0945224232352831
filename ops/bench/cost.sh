#!/usr/bin/env bash
# What a visit costs in CPU, measured so that a busy machine does not decide the figure: drives
# POST /api/visits (wrk, [connections] clients) for [seconds] after a warm-up and divides the CPU
# time the host process and the PostgreSQL cluster (postmaster, its live backends and the ones
# that ended) consumed by the visits logged. Visits/s on two shared cores swing 3x with the other
# work on the machine; CPU milliseconds a visit move far less, so before/after comparisons of the
# write path use this (3,000 visits/s on two cores leaves about 0.6 ms of CPU a visit for the host,
# PostgreSQL and the load generator together).
# Same setup as the other benchmarks (ops/bench/lib.sh: BENCH_PG_PORT, BENCH_HTTP_PORT,
# BENCH_PG_OPTIONS, BENCH_HOST_ENV, BENCH_HOST_DIR).
#   ops/bench/cost.sh [seconds=20] [connections=32]     (BENCH_PG_STATEMENTS=1: also the statements a visit;
#                                                        BENCH_WARMUP=seconds of load before measuring, default 10)
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-20}
connections=${2:-32}
source ops/bench/lib.sh
ticks=$(getconf CLK_TCK)

# CPU ticks of one process (utime + stime), with its reaped children's when $2 = children.
proc_ticks() {
  awk -v c="${2:-}" '{ sub(/^.*\) /, ""); t = $12 + $13; if (c == "children") t += $14 + $15; print t }' "/proc/$1/stat" 2>/dev/null || echo 0
}
# The cluster's CPU ticks: the postmaster with its ended children, plus every live child.
pg_ticks() {
  local pm total=0 pid
  pm=$(head -1 "$data/postmaster.pid")
  total=$(proc_ticks "$pm" children)
  for pid in $(pgrep -P "$pm"); do total=$((total + $(proc_ticks "$pid"))); done
  echo "$total"
}
visits() { sql "select count(*) from contracttherapy.mt_events where type = 'visit_logged'"; }

warmup=${BENCH_WARMUP:-10}
echo "warm-up ($warmup s)..." >&2
wrk -t2 -c"$connections" -d"${warmup}s" -s ops/bench/log-visits.lua "$url" >/dev/null
sleep 1
[ "${BENCH_PG_STATEMENTS:-0}" = 1 ] && sql "create extension if not exists pg_stat_statements; select pg_stat_statements_reset()" >/dev/null
v0=$(visits); h0=$(proc_ticks "$host_pid"); p0=$(pg_ticks); t0=$(date +%s.%N)
echo "measuring ($seconds s, $connections connections, load average $(cut -d' ' -f1-3 /proc/loadavg))..." >&2
# wrk's own CPU (the load generator shares the two cores): the ticks of a subshell's reaped children, wrk alone.
wrk_out=$(mktemp)
w0=$( (wrk -t2 -c"$connections" -d"${seconds}s" --latency -s ops/bench/log-visits.lua "$url" > "$wrk_out"; proc_ticks "$BASHPID" children) )
grep -E "^(throughput|latency|unexpected)" "$wrk_out" >&2; rm -f "$wrk_out"
sleep 1  # the async daemons' share of these visits (audit chain, 1099) is part of their cost
v1=$(visits); h1=$(proc_ticks "$host_pid"); p1=$(pg_ticks); t1=$(date +%s.%N)
n=$((v1 - v0))
awk -v n="$n" -v h=$((h1 - h0)) -v p=$((p1 - p0)) -v w="$w0" -v hz="$ticks" -v s="$(echo "$t1 - $t0" | bc)" -v rss="$(peak_rss)" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
  printf "| visits | wall | host CPU a visit | PostgreSQL CPU a visit | both | wrk CPU a visit | host peak RSS | load average |\n|---|---|---|---|---|---|---|---|\n"
  printf "| %d | %.1f s | %.3f ms | %.3f ms | %.3f ms | %.3f ms | %d MB | %s |\n", n, s, 1000 * h / hz / n, 1000 * p / hz / n, 1000 * (h + p) / hz / n, 1000 * w / hz / n, rss, load
}'
if [ "${BENCH_PG_STATEMENTS:-0}" = 1 ]; then
  echo "statements a visit (pg_stat_statements, BENCH_PG_STATEMENTS=1):"
  sql "select round(calls::numeric / $n, 2) as per_visit, round((total_exec_time / $n)::numeric, 3) as ms_per_visit,
         left(regexp_replace(query, '\\s+', ' ', 'g'), 110) from pg_stat_statements order by total_exec_time desc limit 16"
  sql "select 'all statements: ' || round((sum(total_exec_time) / $n)::numeric, 3) || ' ms a visit, ' || round(sum(calls)::numeric / $n, 2) || ' calls a visit' from pg_stat_statements"
fi

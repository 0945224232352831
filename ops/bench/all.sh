#!/usr/bin/env bash
# One benchmark program for every hot path of issue 9: starts its own PostgreSQL and Release host
# (ops/bench/lib.sh; BENCH_PG_PORT / BENCH_HTTP_PORT move them), measures the database's own
# ceiling (pgbench, single-row inserts at 32 clients, synchronous_commit on, same cluster), builds
# each data set through the API (wrk at full speed) and prints one markdown table: each figure,
# its target, pass/fail and, for throughputs, the ratio to the pgbench figure of the same run.
#   ops/bench/all.sh [--small]      (--small: every size about 1/10, a few minutes)
#   ops/bench/all.sh --close [VISITS AGENCIES CONTRACTORS]   (only the close row, full size by default)
#     BENCH_TRACE_DIR=dir: dotnet-trace (CPU samples, GC) and dotnet-counters of the host during the close
#     BENCH_PERF_DIR=dir: Linux perf samples the host's on-CPU stacks from the close's request to its answer
#   ops/bench/all.sh --tax [CONTRACTORS PAYMENTS_EACH]       (only the 1099 rows, full size by default)
# The 1099 data set's payments are appended by ops/bench/tax-payments.cs (the events a manual
# payment records, in bulk); BENCH_TAX_PAYMENTS=api sends them through the API instead (an hour).
# Not part of the test command: a benchmark is not a timed test.
set -euo pipefail
cd "$(dirname "$0")/../.."

small=0
[ "${1:-}" = "--small" ] && small=1
only=""
if [ "${1:-}" = "--close" ] || [ "${1:-}" = "--tax" ]; then only=${1#--}; shift; fi
if [ $small = 1 ]; then
  seconds=10; close_sizes="5000 4 40"; invoice_sizes="500 20"; tax_sizes="1000 26"; replay_events=50000; feed_sizes="100 10"
else
  seconds=30; close_sizes="50000 40 400"; invoice_sizes="500 50"; tax_sizes="10000 26"; replay_events=500000; feed_sizes="100 20"
fi
connections=32
command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3; }
# Built before the host starts: it builds the host too, which must not change under a running host.
[ "$only" != close ] && dotnet build ops/bench/tax-payments.cs -c Release -v q -nologo >/dev/null
# As ops/bench/perf.sh: JIT-compiled methods named through /tmp/perf-PID.map, W^X off so perf can match them.
if [ -n "${BENCH_PERF_DIR:-}" ]; then export BENCH_HOST_ENV="${BENCH_HOST_ENV:-} DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0"; fi
source ops/bench/lib.sh
export BENCH_PG_PORT=$pg_port
export BENCH_PG_CONNECTION="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=bench"
rows=${BENCH_ROWS:-$data/rows.md}  # BENCH_ROWS keeps the rows of a run that does not finish
: > "$rows"
say() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# --close / --tax: just that part (to iterate on it without the full run)
if [ -n "$only" ]; then
  [ "${BENCH_PG_STATEMENTS:-0}" = 1 ] && ops/postgres.sh psql "$data" "$pg_port" bench "create extension if not exists pg_stat_statements" >/dev/null
  if [ "$only" = close ]; then sizes="${1:-50000} ${2:-40} ${3:-400}"; else sizes="${1:-10000} ${2:-26}"; fi
  say "$only $sizes"
  [ -n "${BENCH_TRACE_DIR:-}" ] && dotnet tool restore >/dev/null
  # shellcheck disable=SC2086
  BENCH_PG_PORT=$pg_port BENCH_HOST_PID=$host_pid python3 ops/bench/all.py "$url" "$only" $sizes >> "$rows"
  echo "| path | size | target | measured | verdict | ratio to pgbench |"
  echo "|---|---|---|---|---|---|"
  cat "$rows"
  echo "commit $(git rev-parse --short HEAD), $(date -u +%F), load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
  if [ "${BENCH_PG_STATEMENTS:-0}" = 1 ]; then
    ops/postgres.sh psql "$data" "$pg_port" bench "select calls, round(total_exec_time)::bigint as ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 140)
      from pg_stat_statements order by total_exec_time desc limit 15" >&2 || true
  fi
  exit 0
fi
ratio() { awk "BEGIN {printf \"%.0f%%\", 100 * $1 / $2}"; }

# --- the database's ceiling: one single-row insert per transaction, 32 clients ---------------------
say "pgbench ceiling ($connections clients, ${seconds} s)"
ceiling_run "$seconds" "$data/pgbench.log"
ceiling=$(pgbench_tps "$data/pgbench.log")
pg_latency=$(pgbench_latency "$data/pgbench.log")
echo "| pgbench ceiling: single-row insert, $connections clients, synchronous_commit $(ops/postgres.sh psql "$data" "$pg_port" bench 'show synchronous_commit') | ${seconds} s | (reference) | $(printf %.0f "$ceiling") inserts/s, latency avg $pg_latency | - | 100% |" >> "$rows"

# --- POST /api/visits at 32 and 256 clients ----------------------------------------------------
# prints "visits/s p99-ms errors" of a wrk run of log-visits.lua
drive() {
  local out
  out=$(wrk -t2 -c"$1" -d"$2s" --timeout 5s -s ops/bench/log-visits.lua "$url")
  echo "$out" | grep -E "^(requests|throughput|latency|unexpected)" >&2
  local rate p99 errors
  rate=$(echo "$out" | sed -n 's/^throughput: \([0-9]*\).*/\1/p')
  p99=$(echo "$out" | sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p')
  errors=$(echo "$out" | sed -n 's/^requests: [0-9]*, errors: connect \([0-9]*\) read \([0-9]*\) write \([0-9]*\) status \([0-9]*\) timeout \([0-9]*\)/\1 \2 \3 \4 \5/p' | awk '{print $1+$2+$3+$4+$5}')
  echo "$rate $p99 $errors"
}
# The targets are a running server's: warm up until the JIT's tier-1 code carries the load (after 5 s
# it was still compiling and counting calls; the start is its own row below). BENCH_WARMUP overrides.
warmup=${BENCH_WARMUP:-30}
say "warm-up ($warmup s)"
wrk -t2 -c32 -d"${warmup}s" -s ops/bench/log-visits.lua "$url" >/dev/null
say "visits at 32 clients (${seconds} s)"
read -r rate p99 errors < <(drive 32 "$seconds")
rss=$(peak_rss)
ok=$(awk "BEGIN {print ($rate >= 3000 && $rate >= 0.25 * $ceiling && $p99 <= 100 && $rss <= 400 && $errors == 0) ? \"pass\" : \"FAIL\"}")
echo "| POST /api/visits, 32 clients | ${seconds} s | >= 3,000/s and >= 25% of pgbench, p99 <= 100 ms, RSS <= 400 MB | $rate visits/s, p99 $p99 ms, peak RSS $rss MB, $errors errors | $ok | $(ratio "$rate" "$ceiling") |" >> "$rows"

say "visits at 256 clients (${seconds} s)"
read -r rate p99 errors < <(drive 256 "$seconds")
ok=$(awk "BEGIN {print ($p99 <= 250 && $errors == 0) ? \"pass\" : \"FAIL\"}")
echo "| POST /api/visits, 256 clients | ${seconds} s | no error, p99 <= 250 ms | $rate visits/s, p99 $p99 ms, $errors errors, peak RSS $(peak_rss) MB | $ok | $(ratio "$rate" "$ceiling") |" >> "$rows"

# --- live feed: watchers while wrk logs visits at full speed --------------------------------------
say "live feed under load"
wrk -t2 -c32 -d120s --timeout 5s -s ops/bench/log-visits.lua "$url" > "$data/feed-load.log" 2>&1 &
load_pid=$!
python3 ops/bench/all.py "$url" feed $feed_sizes >> "$rows" || echo "| live feed | - | - | failed (see the log) | FAIL | - |" >> "$rows"
kill -INT "$load_pid" 2>/dev/null; wait "$load_pid" 2>/dev/null || true
feed_rate=$(sed -n 's/^throughput: \([0-9]*\).*/\1/p' "$data/feed-load.log")
sed -i "\$s/| - |\$/| load $feed_rate visits\/s ($(ratio "${feed_rate:-0}" "$ceiling")) |/" "$rows"

# --- close, invoice as of, 1099: each in a tenant of its own, built through the API ---------------
for part in "close $close_sizes" "invoice $invoice_sizes" "tax $tax_sizes"; do
  say "$part"
  # shellcheck disable=SC2086
  python3 ops/bench/all.py "$url" $part >> "$rows" || echo "| ${part%% *} | - | - | failed (see the log) | FAIL | - |" >> "$rows"
done

# --- replay-and-verify over the whole store ----------------------------------------------------------
count() { ops/postgres.sh psql "$data" "$pg_port" bench "select count(*) from contracttherapy.mt_events"; }
while [ "$(count)" -lt "$replay_events" ]; do
  say "topping the event store up to $replay_events events ($(count) now)"
  wrk -t2 -c32 -d30s -s ops/bench/log-visits.lua "$url" >/dev/null
done

# --- start-up (three times; the last start leaves a fresh host for the replay's memory figure) ------
starts=""
for _ in 1 2 3; do
  stop_host
  t0=$(date +%s%N)
  start_host
  starts="$starts $(( ($(date +%s%N) - t0) / 1000000 ))"
done
worst=$(echo $starts | tr ' ' '\n' | sort -n | tail -1)
echo "| host start to /health/ready | 3 starts | <= 3 s | $(echo $starts | sed 's/ / ms, /g') ms | $([ "$worst" -le 3000 ] && echo pass || echo FAIL) | - |" >> "$rows"

# Replay compares with the live documents: first let the durable messages (payroll's earnings
# from payments, pay stubs from a close) and the async daemons finish (at most 300 s).
pending() { ops/postgres.sh psql "$data" "$pg_port" bench "select
  (select count(*) from contracttherapy.wolverine_incoming_envelopes where status <> 'Handled')
  + (select count(*) from contracttherapy.wolverine_outgoing_envelopes)
  + (select count(*) from contracttherapy.mt_event_progression where name not like 'HighWater%'
     and last_seq_id < (select max(seq_id) from contracttherapy.mt_events))"; }
drain_start=$(date +%s)
while [ "$(pending)" -gt 0 ] && [ $(( $(date +%s) - drain_start )) -lt 300 ]; do sleep 1; done
say "messages and daemons settled after $(( $(date +%s) - drain_start )) s ($(pending) still pending)"
say "replay and verify over $(count) events"
compliance=$(curl -sf -X POST "$url/dev/token" -H 'Content-Type: application/json' -d '{"tenant":"bench","role":"compliance"}' | json_field token)
curl -sf -X POST "$url/api/audit/replay" -H "Authorization: Bearer $compliance" -o "$data/replay.json" --max-time 3600 || echo '{}' > "$data/replay.json"
read -r events ms identical < <(python3 -c "import json; r=json.load(open('$data/replay.json')); print(r.get('events', 0), r.get('elapsedMilliseconds', 1), all(p['identical'] for p in r.get('projections', [])) and bool(r.get('projections')))")
python3 -c "
import json, sys
r = json.load(open('$data/replay.json'))
for p in r.get('projections', []):
    if not p['identical']:
        print('replay: not identical:', p['name'], p['documents'], 'documents;', json.dumps(p['differences'][:3])[:1500], file=sys.stderr)" || true
eps=$(( events * 1000 / ms ))
rss=$(peak_rss)
ok=$(awk "BEGIN {print ($eps >= 25000 && $events >= 500000 && $rss <= 600) && \"$identical\" == \"True\" ? \"pass\" : \"FAIL\"}")
echo "| replay-and-verify | $events events | >= 25,000 events/s over >= 500,000, RSS <= 600 MB | $eps events/s ($ms ms), peak RSS $rss MB, identical: $identical | $ok | $(ratio "$eps" "$ceiling") |" >> "$rows"

echo
echo "| path | size | target | measured | verdict | ratio to pgbench |"
echo "|---|---|---|---|---|---|"
cat "$rows"
echo
echo "commit $(git rev-parse --short HEAD), $(date -u +%F), load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"

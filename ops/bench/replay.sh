#!/usr/bin/env bash
# Benchmark: replay-and-verify over a large event store. Starts its own PostgreSQL (port 55434)
# and host (Release, port 5090), logs visits through the API with wrk until the store holds
# about [events] events, then times POST /api/audit/replay (fold every projection again from the
# events and compare with the live documents).
#   ops/bench/replay.sh [events=100000]
# BENCH_REPLAY_DUMP=file: when the file exists, the bench database is restored from it (pg_restore,
# host restarted) instead of logging visits; when it does not, it is written (pg_dump -Fc) after
# the visits are logged. Building 500,000 events through the API takes 20-30 minutes here; a
# restore takes a minute or two, so the replay can be measured again after each change.
# BENCH_REPLAY_DUMP_ONLY=1 stops after writing the dump.
# BENCH_PG_STATEMENTS=1 (lib.sh) also prints the top statements of the replay (pg_stat_statements).
# BENCH_REPLAY_PROFILE=dir: dotnet-counters (1 s samples) and dotnet-trace (sampled thread time) on the
# host during the replay, kept in dir, with the top methods printed.
# BENCH_REPLAY_PERF=dir: Linux perf samples the host's on-CPU stacks during the replay (JIT-compiled methods
# named), the top methods written to dir/report.txt.
# BENCH_REPLAY_API_EVENTS=n: log visits through the API only until the store holds n events, then
# grow it to [events] by cloning logged visits in SQL (ops/bench/clone-visits.sql: a new stream,
# its event and its Visit and BillableVisit documents under a new id), and wait until the hash
# chain and the async daemons have caught up with the clones. The API logs 100-300 visits/s on
# this machine when others are busy; 500,000 through it alone took too long to iterate on.
set -euo pipefail
cd "$(dirname "$0")/../.."

target=${1:-100000}
connections=32
perf_dir=${BENCH_REPLAY_PERF:-}
# As ops/bench/perf.sh: JIT-compiled methods named through /tmp/perf-PID.map, W^X off so perf can match them.
if [ -n "$perf_dir" ]; then export BENCH_HOST_ENV="${BENCH_HOST_ENV:-} DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0"; fi
source ops/bench/lib.sh

pgbin=$(ls -d /usr/lib/postgresql/*/bin | head -1)
dump=${BENCH_REPLAY_DUMP:-}
if [ -n "$dump" ] && [ -f "$dump" ]; then
  echo "restoring the bench database from $dump..."
  stop_host
  "$pgbin/dropdb" -h 127.0.0.1 -p "$pg_port" -U postgres bench
  ops/postgres.sh createdb "$data" "$pg_port" bench
  "$pgbin/pg_restore" -h 127.0.0.1 -p "$pg_port" -U postgres -d bench -j 2 "$dump"
  "$pgbin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d bench -qc "vacuum analyze" >/dev/null
  start_host
  target=0
fi
api_events=${BENCH_REPLAY_API_EVENTS:-$target}
[ "$api_events" -gt "$target" ] && api_events=$target
count_events() { ops/postgres.sh psql "$data" "$pg_port" bench "select count(*) from contracttherapy.mt_events"; }
echo "logging visits until the store holds $api_events events..."
while true; do
  count=$(count_events)
  [ "$count" -ge "$api_events" ] && break
  wrk -t2 -c"$connections" -d20s -s ops/bench/log-visits.lua "$url" >/dev/null
done
while [ "$count" -lt "$target" ]; do
  echo "cloning visits ($count events)..."
  "$pgbin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d bench -q -v ON_ERROR_STOP=1 -v n=$((target - count)) -f ops/bench/clone-visits.sql
  count=$(count_events)
done
if [ "$api_events" -lt "$target" ]; then
  pending() { ops/postgres.sh psql "$data" "$pg_port" bench "select count(*) from contracttherapy.mt_event_progression
    where name not like 'HighWater%' and last_seq_id < (select max(seq_id) from contracttherapy.mt_events)"; }
  settle=$(date +%s)
  while [ "$(pending)" -gt 0 ] && [ $(( $(date +%s) - settle )) -lt 900 ]; do sleep 2; done
  echo "chain and daemons caught up after $(( $(date +%s) - settle )) s ($(pending) behind)"
fi
echo "events in the store: $count"
if [ -n "$dump" ] && [ ! -f "$dump" ]; then
  "$pgbin/pg_dump" -h 127.0.0.1 -p "$pg_port" -U postgres -Fc -f "$dump" bench
  echo "saved to $dump"
  [ "${BENCH_REPLAY_DUMP_ONLY:-0}" = 1 ] && exit 0
fi
# A fresh host, so that its peak memory is the replay's (not the visit load's).
stop_host
start_host
compliance=$(curl -sf -X POST "$url/dev/token" -H 'Content-Type: application/json' -d '{"tenant":"bench","role":"compliance"}' | json_field token)
profile=${BENCH_REPLAY_PROFILE:-}
if [ -n "$profile" ]; then
  # Where the replay's time goes: runtime counters every second, and a CPU sample of the host's stacks.
  mkdir -p "$profile"
  dotnet tool restore >/dev/null || dotnet tool restore >/dev/null
  dotnet dotnet-counters collect -p "$host_pid" --counters System.Runtime,Npgsql --refresh-interval 1 --format csv \
    -o "$profile/counters.csv" > "$profile/counters.log" 2>&1 &
  counters_pid=$!
  dotnet dotnet-trace collect -p "$host_pid" --profile dotnet-sampled-thread-time -o "$profile/replay.nettrace" > "$profile/trace.log" 2>&1 &
  trace_pid=$!
  sleep 3
fi
if [ "${BENCH_PG_STATEMENTS:-0}" = 1 ]; then
  "$pgbin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d bench -qc "create extension if not exists pg_stat_statements" \
    -c "select pg_stat_statements_reset()" >/dev/null
fi
# CPU seconds of the host and of PostgreSQL (the postmaster with its ended backends, and the live ones) during the
# replay: on this shared machine they move far less with the load than the wall time does.
cpu_ticks() { local t=0 p; for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo "$t"; }
postmaster=$(head -1 "$data/postmaster.pid")
pg_ticks() { echo $(( $(awk '{print $14+$15+$16+$17}' "/proc/$postmaster/stat") + $(cpu_ticks $(pgrep -P "$postmaster")) )); }
host_ticks_before=$(cpu_ticks "$host_pid"); pg_ticks_before=$(pg_ticks)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
if [ -n "$perf_dir" ]; then
  mkdir -p "$perf_dir"
  perf record -F 499 -g -p "$host_pid" -o "$perf_dir/perf.data" 2> "$perf_dir/record.log" &
  perf_pid=$!
  sleep 1
fi
start=$(date +%s.%N)
# The host's log goes with the bench's folder on exit: show its end when the replay fails.
curl -sf -X POST "$url/api/audit/replay" -H "Authorization: Bearer $compliance" -o "$data/replay.json" --max-time 3600 ||
  { echo "the replay failed; the host's log ends with:"; tail -40 "$data/host.log"; exit 1; }
end=$(date +%s.%N)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
host_cpu=$(( ($(cpu_ticks "$host_pid") - host_ticks_before) / $(getconf CLK_TCK) )); pg_cpu=$(( ($(pg_ticks) - pg_ticks_before) / $(getconf CLK_TCK) ))
rss=$(peak_rss)
if [ -n "$perf_dir" ]; then
  kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
  ops/bench/perf-report.sh "$perf_dir" "$host_pid" > "$perf_dir/report.txt"
  echo "perf of the replay: $perf_dir/report.txt"
fi
if [ -n "$profile" ]; then
  # `dotnet <tool>` runs the tool as a child process: stop the children (TERM: a background job of a
  # script ignores INT), then the launchers.
  for launcher in "$counters_pid" "$trace_pid"; do pkill -TERM -P "$launcher" 2>/dev/null || true; done
  sleep 2
  kill -TERM "$counters_pid" "$trace_pid" 2>/dev/null || true
  wait "$counters_pid" "$trace_pid" 2>/dev/null || true
fi
python3 - "$data/replay.json" <<'PY' || grep -o '"events":[0-9]*\|"elapsedMilliseconds":[0-9]*' "$data/replay.json"
import json, sys
r = json.load(open(sys.argv[1]))
ms = max(r['elapsedMilliseconds'], 1)
print('replayed', r['events'], 'events in', ms, 'ms (server):', r['events'] * 1000 // ms, 'events/s;',
      'all identical:', all(p['identical'] for p in r['projections']))
if r.get('phases'): print('phases (ms):', ', '.join(f'{k} {v}' for k, v in r['phases'].items()))
if r.get('busy'): print('busy (ms, summed over threads):', ', '.join(f'{k} {v}' for k, v in r['busy'].items()))
if any(p.get('foldedAgain') for p in r['projections']): print('folded again:', ', '.join(f"{p['name']} {p['foldedAgain']}" for p in r['projections'] if p.get('foldedAgain')))
print('documents:', ', '.join(f"{p['name']} {p['documents']}" for p in r['projections']))
for p in r['projections']:
    if not p['identical']: print('not identical:', p['name'], json.dumps(p['differences'][:3])[:600])
PY
echo "wall time: $(awk "BEGIN {printf \"%.1f\", $end - $start}") s"
echo "host peak memory (VmHWM): ${rss} MB"
echo "CPU during the replay: host ${host_cpu} s, PostgreSQL ${pg_cpu} s"
echo "load average before / after: $load_before / $load_after"
if [ -n "$profile" ]; then
  echo "profile in $profile (counters.csv, replay.nettrace); top methods by exclusive thread-time samples:"
  dotnet dotnet-trace report "$profile/replay.nettrace" topN -n 25 2>&1 | tail -27 || true
fi
if [ "${BENCH_PG_STATEMENTS:-0}" = 1 ]; then
  echo "PostgreSQL during the replay (pg_stat_statements, top 12 by total time; scratch schema names shortened):"
  "$pgbin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d bench -tAc "select round((total_exec_time / 1000)::numeric, 1) || ' s | ' || calls || ' calls | ' ||
      round(rows::numeric / greatest(calls, 1), 1) || ' rows/call | ' ||
      left(regexp_replace(regexp_replace(query, 'ct_replay_[0-9a-f]+', 'ct_replay', 'g'), '\s+', ' ', 'g'), 140)
    from pg_stat_statements where dbid = (select oid from pg_database where datname = 'bench')
    order by total_exec_time desc limit 12"
fi

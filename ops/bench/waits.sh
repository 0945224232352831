#!/usr/bin/env bash
# What PostgreSQL's backends are doing while the host logs visits: after a warm-up, drives POST /api/visits (wrk,
# [connections] clients) and samples pg_stat_activity every 10 ms from inside the database (one DO block, so the
# sampler adds no connection churn), then prints each (state, wait event, statement) by its share of the samples.
# "active CPU" includes waiting for a core; "idle in transaction" is a transaction waiting for the host's next
# statement; IO:WALSync and LWLock:WALWrite are commits waiting for the WAL's flush. Also prints pg_stat_wal
# (track_wal_io_timing on): WAL a visit and the flush's average wall time.
# Same setup as the other benchmarks (ops/bench/lib.sh: BENCH_HOST_DIR, BENCH_HOST_ENV, BENCH_PG_OPTIONS).
#   ops/bench/waits.sh [seconds=12] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-12}
connections=${2:-32}
source ops/bench/lib.sh
sql "alter system set track_wal_io_timing = on" >/dev/null
sql "select pg_reload_conf()" >/dev/null
sql "create table public.bench_waits(state text, wait text, statement text)" >/dev/null

echo "warm-up (10 s)..." >&2
wrk -t2 -c"$connections" -d10s -s ops/bench/log-visits.lua "$url" >/dev/null
sql "select pg_stat_reset_shared('wal')" >/dev/null
v0=$(sql "select count(*) from contracttherapy.mt_events where type = 'visit_logged'")
echo "sampling ($seconds s, $connections connections, load average $(cut -d' ' -f1-3 /proc/loadavg))..." >&2
wrk -t2 -c"$connections" -d"$((seconds + 1))s" --latency -s ops/bench/log-visits.lua "$url" > "$data/wrk.log" &
wrk_pid=$!
sleep 0.5
sql "do \$\$ begin for i in 1..$((seconds * 100)) loop
  insert into public.bench_waits
    select coalesce(state, '-'), coalesce(wait_event_type || ':' || wait_event, 'CPU'), left(regexp_replace(query, '\s+', ' ', 'g'), 48)
    from pg_stat_activity
    where datname = 'bench' and pid <> pg_backend_pid() and backend_type = 'client backend' and state <> 'idle';
  perform pg_sleep(0.01);
  perform pg_stat_clear_snapshot();
end loop; end \$\$" >/dev/null
wait "$wrk_pid"
grep -E "^(throughput|latency|unexpected)" "$data/wrk.log"
n=$(($(sql "select count(*) from contracttherapy.mt_events where type = 'visit_logged'") - v0))
echo "| share of samples | state | wait | statement |"
echo "|---|---|---|---|"
sql "select '| ' || round(100.0 * count(*) / sum(count(*)) over (), 1) || '% | ' || state || ' | ' || wait || ' | ' || statement || ' |'
     from public.bench_waits group by state, wait, statement order by count(*) desc limit 20"
sql "select 'WAL: ' || round(wal_bytes::numeric / $n) || ' bytes and ' || round(wal_records::numeric / $n, 1) || ' records a visit; '
       || wal_sync || ' flushes (' || round($n::numeric / greatest(wal_sync, 1), 1) || ' visits each), '
       || round((wal_sync_time / greatest(wal_sync, 1))::numeric, 3) || ' ms a flush' from pg_stat_wal"

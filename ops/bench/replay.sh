#!/usr/bin/env bash
# Benchmark: replay-and-verify over a large event store. Starts its own PostgreSQL (port 55434)
# and host (Release, port 5090), logs visits through the API with wrk until the store holds
# about [events] events, then times POST /api/audit/replay (rebuild every projection into a
# scratch schema and compare).
#   ops/bench/replay.sh [events=100000]
set -euo pipefail
cd "$(dirname "$0")/../.."

target=${1:-100000}
connections=32
source ops/bench/lib.sh

echo "logging visits until the store holds $target events..."
while true; do
  count=$(ops/postgres.sh psql "$data" "$pg_port" bench "select count(*) from contracttherapy.mt_events")
  [ "$count" -ge "$target" ] && break
  wrk -t2 -c"$connections" -d20s -s ops/bench/log-visits.lua "$url" >/dev/null
done
echo "events in the store: $count"
compliance=$(curl -sf -X POST "$url/dev/token" -H 'Content-Type: application/json' -d '{"tenant":"bench","role":"compliance"}' | json_field token)
start=$(date +%s.%N)
curl -sf -X POST "$url/api/audit/replay" -H "Authorization: Bearer $compliance" -o "$data/replay.json" --max-time 3600
end=$(date +%s.%N)
python3 -c "import json,sys; r=json.load(open('$data/replay.json')); print('replayed', r['events'], 'events in', r['elapsedMilliseconds'], 'ms (server);', 'all identical:', all(p['identical'] for p in r['projections']))" 2>/dev/null \
  || grep -o '"events":[0-9]*\|"elapsedMilliseconds":[0-9]*' "$data/replay.json"
echo "wall time: $(awk "BEGIN {printf \"%.1f\", $end - $start}") s"
rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$host_pid/status")
echo "host peak memory (VmHWM): ${rss} MB"

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
port=5090
url=http://127.0.0.1:$port
data=$(mktemp -d /tmp/contracttherapy-bench.XXXXXX)
chmod 755 "$data"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

host_pid=""
cleanup() {
  [ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null && wait "$host_pid" 2>/dev/null
  ops/postgres.sh stop "$data" || true
  rm -rf "$data"
}
trap cleanup EXIT

ops/postgres.sh start "$data" 55434
ops/postgres.sh createdb "$data" 55434 bench
dotnet build src/Host -c Release -v q -nologo >/dev/null

ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS=$url Auth__DevTokens=true \
  ConnectionStrings__Postgres="Host=127.0.0.1;Port=55434;Username=postgres;Database=bench;Maximum Pool Size=${BENCH_POOL:-100}" \
  Logging__LogLevel__Default=Warning \
  dotnet src/Host/bin/Release/net10.0/ContractTherapy.Host.dll > "$data/host.log" 2>&1 &
host_pid=$!
for _ in $(seq 1 120); do curl -sf "$url/health/ready" >/dev/null && break; sleep 0.5; done
curl -sf "$url/health/ready" >/dev/null || { echo "host did not start"; cat "$data/host.log"; exit 1; }

json_field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
post() { curl -sf -X "$1" "$url$2" -H 'Content-Type: application/json' -H "Authorization: Bearer $token" ${3:+-d "$3"}; }
token=$(curl -sf -X POST "$url/dev/token" -H 'Content-Type: application/json' -d '{"tenant":"bench","role":"owner"}' | json_field token)
agency=$(post POST /api/agencies '{"name":"Bench HH","billingEmail":"ap@bench.example"}' | json_field id)
contractors=""
for i in $(seq 1 32); do
  c=$(post POST /api/contractors "{\"legalName\":\"Bench Therapist $i\",\"email\":\"t$i@bench.example\",\"disciplines\":[\"PT\"]}" | json_field id)
  post POST "/api/contractors/$c/agencies/$agency" >/dev/null
  contractors="$contractors${contractors:+,}$c"
done
export BENCH_TOKEN=$(curl -sf -X POST "$url/dev/token" -H 'Content-Type: application/json' -d '{"tenant":"bench","role":"billing"}' | json_field token)
export BENCH_AGENCY=$agency BENCH_CONTRACTORS=$contractors BENCH_DATE=$(date -u -d 'yesterday' +%F)

echo "logging visits until the store holds $target events..."
while true; do
  count=$(ops/postgres.sh psql "$data" 55434 bench "select count(*) from contracttherapy.mt_events")
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

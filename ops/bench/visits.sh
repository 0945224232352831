#!/usr/bin/env bash
# Benchmark: logging visits through the API (issue 3's target: >= 2,000 visits/s at 32
# concurrent clients, p99 < 100 ms, host memory < 400 MB), on this machine, with PostgreSQL
# beside it. Starts its own PostgreSQL (port 55434) and host (Release, port 5090), sets up a
# tenant with 32 placed contractors through the API, warms up, then runs wrk.
#   ops/bench/visits.sh [duration-seconds=30] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/../.."

duration=${1:-30}
connections=${2:-32}
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

echo "warm-up (10 s)..."
wrk -t2 -c"$connections" -d10s -s ops/bench/log-visits.lua "$url" >/dev/null
echo "measuring ($duration s, $connections connections)..."
wrk -t2 -c"$connections" -d"${duration}s" --latency -s ops/bench/log-visits.lua "$url" | grep -E "^(requests|throughput|latency|unexpected)"
rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$host_pid/status")
echo "host peak memory (VmHWM): ${rss} MB"

#!/usr/bin/env bash
# Host start to /health/ready, alone: the start-up row of all.sh without the rest. Same setup
# (ops/bench/lib.sh: own PostgreSQL, Release host, BENCH_PG_PORT / BENCH_HTTP_PORT), then
# [starts] more starts of the host on that database (process start included), each timed to its
# first 200 from /health/ready, then from ready to the answer of its first visit (POST /api/visits:
# Wolverine builds an endpoint's and a handler's code on first use), with the host's resident
# memory after that visit and whether the Roslyn assemblies (Microsoft.CodeAnalysis) were loaded.
#   ops/bench/start.sh [starts=5]
set -euo pipefail
cd "$(dirname "$0")/../.."

starts=${1:-5}
connections=32
source ops/bench/lib.sh

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
all=""; firsts=""
for i in $(seq 1 "$starts"); do
  stop_host
  t0=$(date +%s%N)
  start_host
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  t1=$(date +%s%N)
  body="{\"contractorId\":\"${BENCH_CONTRACTORS%%,*}\",\"agencyId\":\"$BENCH_AGENCY\",\"patient\":{\"name\":\"Start $i\",\"mrn\":\"S$t0\"},\"visitDate\":\"$BENCH_DATE\",\"discipline\":\"PT\",\"visitType\":\"Routine\",\"miles\":1,\"noteSigned\":true}"
  status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/api/visits" -H 'Content-Type: application/json' -H "Authorization: Bearer $BENCH_TOKEN" -d "$body")
  first=$(( ($(date +%s%N) - t1) / 1000000 ))
  rss=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$host_pid/status")
  roslyn=$(grep -c 'Microsoft.CodeAnalysis' "/proc/$host_pid/maps" || true)
  echo "start $i: ${ms} ms to /health/ready, first visit ${first} ms later (HTTP $status), RSS ${rss} MB, Roslyn mapped: $([ "$roslyn" -gt 0 ] && echo yes || echo no)"
  all="$all $ms"; firsts="$firsts $first"
done
median() { echo "$@" | tr ' ' '\n' | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
echo "to ready (ms):$all; median $(median $all) ms"
echo "ready to first visit (ms):$firsts; median $(median $firsts) ms"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

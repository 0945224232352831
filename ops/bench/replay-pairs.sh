#!/usr/bin/env bash
# Replay-and-verify, interleaved runs of several builds of the host against one data set: restores a dump
# written by replay.sh (BENCH_REPLAY_DUMP) once into a PostgreSQL of its own, then, round after round, starts
# each build's host, times POST /api/audit/replay and stops it. One line a run: the server's time, events/s,
# every projection identical or not, the busy times, wall time, host peak RSS, CPU seconds of the host and
# of PostgreSQL, load average before/after. On this shared machine, compare builds within a round.
#   ops/bench/replay-pairs.sh <dump> <rounds> <build-dir>...
# A build dir is a copy of src/Host/bin/Release/net10.0 (cp -r after dotnet build -c Release).
# BENCH_PG_PORT (55434) and BENCH_HTTP_PORT (5090) as in lib.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
source ops/host-runtime.sh  # the runtime settings the product's host runs with
dump=${1:?dump}; rounds=${2:?rounds}; shift 2
[ $# -gt 0 ] || { echo "usage: $0 <dump> <rounds> <build-dir>..."; exit 2; }
pg_port=${BENCH_PG_PORT:-55434}
url=http://127.0.0.1:${BENCH_HTTP_PORT:-5090}
pgbin=$(ls -d /usr/lib/postgresql/*/bin | head -1)
data=$(mktemp -d /tmp/contracttherapy-replay-pairs.XXXXXX)
chmod 755 "$data"
host_pid=""
cleanup() {
  [ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null && wait "$host_pid" 2>/dev/null
  ops/postgres.sh stop "$data" || true
  rm -rf "$data"
}
trap cleanup EXIT

ops/postgres.sh start "$data" "$pg_port"
ops/postgres.sh createdb "$data" "$pg_port" bench
"$pgbin/pg_restore" -h 127.0.0.1 -p "$pg_port" -U postgres -d bench -j 2 "$dump"
"$pgbin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d bench -qc "vacuum analyze"

cpu_ticks() { local t=0 p; for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo "$t"; }
postmaster=$(head -1 "$data/postmaster.pid")
pg_ticks() { echo $(( $(awk '{print $14+$15+$16+$17}' "/proc/$postmaster/stat") + $(cpu_ticks $(pgrep -P "$postmaster")) )); }

for round in $(seq 1 "$rounds"); do
  for dir in "$@"; do
    ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS=$url Auth__DevTokens=true ASPNETCORE_CONTENTROOT="$dir" \
      ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=bench;Maximum Pool Size=100" \
      Logging__LogLevel__Default=Warning dotnet "$dir/ContractTherapy.Host.dll" >> "$data/host.log" 2>&1 &
    host_pid=$!
    for _ in $(seq 1 900); do curl -sf "$url/health/ready" >/dev/null && break; sleep 0.1; done
    sleep 3
    token=$(curl -sf -X POST "$url/dev/token" -H 'Content-Type: application/json' -d '{"tenant":"bench","role":"compliance"}' |
      sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
    host_before=$(cpu_ticks "$host_pid"); pg_before=$(pg_ticks); load_before=$(cut -d' ' -f1 /proc/loadavg); start=$(date +%s.%N)
    curl -sf -X POST "$url/api/audit/replay" -H "Authorization: Bearer $token" -o "$data/replay.json" --max-time 3600 ||
      { echo "the replay failed; the host's log ends with:"; tail -40 "$data/host.log"; exit 1; }
    end=$(date +%s.%N); load_after=$(cut -d' ' -f1 /proc/loadavg)
    host_cpu=$(( ($(cpu_ticks "$host_pid") - host_before) / $(getconf CLK_TCK) )); pg_cpu=$(( ($(pg_ticks) - pg_before) / $(getconf CLK_TCK) ))
    rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$host_pid/status")
    summary=$(python3 -c "
import json, sys
r = json.load(open(sys.argv[1])); ms = max(r['elapsedMilliseconds'], 1)
print(f\"{r['events']} events {ms / 1000:.1f} s {r['events'] * 1000 // ms}/s identical={all(p['identical'] for p in r['projections'])} busy={r.get('busy')}\")" "$data/replay.json")
    echo "round $round $(basename "$dir"): $summary wall=$(awk "BEGIN {printf \"%.1f\", $end - $start}") s peak RSS ${rss} MB CPU host ${host_cpu} s PostgreSQL ${pg_cpu} s load $load_before/$load_after"
    kill "$host_pid" 2>/dev/null && wait "$host_pid" 2>/dev/null; host_pid=""
  done
done

#!/usr/bin/env bash
# Shared by the benchmarks (sourced): starts a private PostgreSQL (port 55434, or BENCH_PG_PORT)
# and the host (Release build, port 5090, or BENCH_HTTP_PORT) with a tenant "bench" whose 32
# contractors are placed with one agency, set up through the API; exports what log-visits.lua
# needs. Stops both on exit.
# Expects $connections to be set by the caller. BENCH_PG_STATEMENTS=1 loads pg_stat_statements
# (for profiling: `select * from pg_stat_statements` in the bench database). BENCH_HOST_ENV
# ("NAME=value ...") adds environment variables to the host's process only.
# BENCH_PG_OPTIONS ("Key=value;...") adds options to the host's connection string (e.g. "No Reset On Close=true").
# BENCH_HOST_DIR: the folder of another build of the host to run (default src/Host/bin/Release/net10.0).
# BENCH_KEEP=dir: a copy of the database cluster is kept there when the benchmark ends.
pg_port=${BENCH_PG_PORT:-55434}
port=${BENCH_HTTP_PORT:-5090}
url=http://127.0.0.1:$port
data=$(mktemp -d /tmp/contracttherapy-bench.XXXXXX)
chmod 755 "$data"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

host_pid=""
cleanup() {
  [ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null && wait "$host_pid" 2>/dev/null
  ops/postgres.sh stop "$data" || true
  # BENCH_KEEP=dir: keep a copy of the stopped cluster (ops/bench/billed-state/README.md says how to start it again)
  if [ -n "${BENCH_KEEP:-}" ]; then cp -a "$data" "$BENCH_KEEP"; fi
  rm -rf "$data"
}
trap cleanup EXIT

ops/postgres.sh start "$data" "$pg_port"
if [ "${BENCH_PG_STATEMENTS:-0}" = 1 ]; then
  echo "shared_preload_libraries = 'pg_stat_statements'" >> "$data/postgresql.conf"
  ops/postgres.sh stop "$data" && ops/postgres.sh start "$data" "$pg_port"
fi
ops/postgres.sh createdb "$data" "$pg_port" bench
dotnet build src/Host -c Release -v q -nologo >/dev/null

# BENCH_HOST_DIR runs another build of the host (e.g. a ReadyToRun publish output) instead of the Release build.
host_dir=${BENCH_HOST_DIR:-$PWD/src/Host/bin/Release/net10.0}
# The runtime settings the product's host runs with (ops/run.sh sources the same file).
source ops/host-runtime.sh
# Starts the host (again, after stop_host) and waits until it is ready.
start_host() {
  # shellcheck disable=SC2086
  env ${BENCH_HOST_ENV:-} ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS=$url Auth__DevTokens=true ASPNETCORE_CONTENTROOT="$host_dir" \
    ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=bench;Maximum Pool Size=${BENCH_POOL:-100}${BENCH_PG_OPTIONS:+;$BENCH_PG_OPTIONS}" \
    Logging__LogLevel__Default=Warning \
    dotnet "$host_dir/ContractTherapy.Host.dll" >> "$data/host.log" 2>&1 &
  host_pid=$!
  for _ in $(seq 1 600); do curl -sf "$url/health/ready" >/dev/null && break; sleep 0.1; done
  curl -sf "$url/health/ready" >/dev/null || { echo "host did not start"; cat "$data/host.log"; exit 1; }
}
stop_host() { kill "$host_pid" 2>/dev/null && wait "$host_pid" 2>/dev/null; host_pid=""; }
# The host's peak resident memory so far (VmHWM), in MB.
peak_rss() { awk '/VmHWM/ {print int($2/1024)}' "/proc/$host_pid/status"; }
start_host

# A statement against the bench database, its rows tab-less and unaligned.
sql() { ops/postgres.sh psql "$data" "$pg_port" bench "$1"; }
# The database's ceiling that all.sh divides by and rows.sh compares with: pgbench inserting one row a transaction,
# $connections clients, on this cluster. ceiling_run <seconds> <log>; pgbench_tps and pgbench_latency read a pgbench log.
pg_bin=$(dirname "$( { ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null || true; } | head -1)")
ceiling_run() {
  if [ ! -f "$data/ceiling.sql" ]; then
    sql "create table bench_ceiling (id bigserial primary key, x double precision, at timestamptz not null default now())" >/dev/null
    echo 'insert into bench_ceiling (x) values (random());' > "$data/ceiling.sql"
  fi
  "$pg_bin/pgbench" -n -h 127.0.0.1 -p "$pg_port" -U postgres -c "$connections" -j 2 -T "$1" -f "$data/ceiling.sql" bench > "$2" 2>&1 \
    || { echo "pgbench (ceiling) failed:"; cat "$2"; exit 1; }
}
pgbench_tps() { sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$1" | head -1; }
pgbench_latency() { sed -n 's/^latency average = \(.*\)$/\1/p' "$1"; }
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
export BENCH_OWNER_TOKEN=$token BENCH_AGENCY=$agency BENCH_CONTRACTORS=$contractors BENCH_DATE=$(date -u -d 'yesterday' +%F)


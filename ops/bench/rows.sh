#!/usr/bin/env bash
# The database's own ceiling for what a visit writes, against the single-row ceiling all.sh divides by: with the host
# stopped, pgbench sends group commits as the host does (eight visits a transaction, each the four rows the request's
# transaction writes: its stream, its VisitLogged, its Visit with the held key, its BillableVisit; prepared statements,
# one pipeline and then the COMMIT), with the JSON of visits the host logged just before, on the tables the host made
# (their indexes), in three shapes:
#   literal: one row a statement, the JSON as literals in the script (PostgreSQL parses them once, when it prepares);
#   params:  one row a statement, the JSON as parameters (parsed for every row, as the host's are);
#   multi:   one statement a table for the batch's eight rows, the JSON as parameters parsed for every row.
# Each after a checkpoint, in turn first; the single-row insert at 32 clients before each round. Prints one row a round.
# The chain link (written later, by a subscription), the write's guard and the host's own CPU are left out: this is
# what PostgreSQL alone can do with a visit's rows on these cores, an upper bound for the product.
# Same setup as the other benchmarks (ops/bench/lib.sh: BENCH_PG_PORT, BENCH_HTTP_PORT).
#   ops/bench/rows.sh [rounds=3] [seconds=10] [writers=2]
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=${1:-3}
seconds=${2:-10}
writers=${3:-2}
batch=8
connections=32
source ops/bench/lib.sh

echo "logging visits for their JSON (3 s)..." >&2
wrk -t2 -c"$connections" -d3s -s ops/bench/log-visits.lua "$url" >/dev/null
stop_host

# Ids ordered in time, as Marten's are: a visit's from a sequence (its stream, event, document and billable document
# share it), an event's from the clock.
sql "create sequence bench_visit_id;
create function bench_visit(n bigint) returns uuid language sql immutable as
  \$\$ select ('01a251ef-' || substr(lpad(to_hex(n), 16, '0'), 1, 4) || '-7' || substr(lpad(to_hex(n), 16, '0'), 6, 3) || '-8'
     || substr(lpad(to_hex(n), 16, '0'), 9, 3) || '-' || lpad(to_hex(n), 12, '0'))::uuid \$\$;
create function bench_uuid7() returns uuid language sql volatile as
  \$\$ select encode(overlay(uuid_send(gen_random_uuid()) placing substring(int8send((extract(epoch from clock_timestamp()) * 1000000)::bigint) from 3) from 1 for 6), 'hex')::uuid \$\$;" >/dev/null

# One visit's documents and event as the host wrote them (pgbench reads ':name' as a variable: such colons become ';').
sample() { sql "$1" | LC_ALL=C sed -E "s/:([A-Za-z0-9_]|[^\x00-\x7f])/;\1/g; s/'/''/g"; }
event=$(sample "select data from contracttherapy.mt_events where type = 'visit_logged' order by seq_id desc limit 1")
headers=$(sample "select headers from contracttherapy.mt_events where type = 'visit_logged' order by seq_id desc limit 1")
visit=$(sample "select data from contracttherapy.mt_doc_visit order by id desc limit 1")
billable=$(sample "select data from contracttherapy.mt_doc_billablevisit order by id desc limit 1")
[ -n "$event" ] && [ -n "$visit" ] && [ -n "$billable" ] || { echo "no visit was logged: see $data/host.log"; tail -20 "$data/host.log"; exit 1; }
raw() { sql "$1"; }
sql "create sequence bench_visit_block increment by $batch start with 100000000" >/dev/null
ev=$(raw "select data from contracttherapy.mt_events where type = 'visit_logged' order by seq_id desc limit 1")
hd=$(raw "select headers from contracttherapy.mt_events where type = 'visit_logged' order by seq_id desc limit 1")
vi=$(raw "select data from contracttherapy.mt_doc_visit order by id desc limit 1")
bi=$(raw "select data from contracttherapy.mt_doc_billablevisit order by id desc limit 1")
{
  echo '\startpipeline'
  echo 'BEGIN;'
  for _ in $(seq 1 $batch); do
    echo "insert into contracttherapy.mt_streams (tenant_id, id, type, version) values ('bench', bench_visit(nextval('bench_visit_id')), 'visit', 1);"
    echo "insert into contracttherapy.mt_events (data, type, mt_dotnet_type, id, stream_id, version, timestamp, tenant_id, correlation_id, headers, user_name, seq_id) values ('$event', 'visit_logged', 'ContractTherapy.Visits.Visits.VisitLogged, ContractTherapy.Visits', bench_uuid7(), bench_visit(currval('bench_visit_id')), 1, now(), 'bench', '4bf92f3577b34da6a3ce929d0e0e4736', '$headers', 'bench-user', nextval('contracttherapy.mt_events_sequence'));"
    echo "insert into contracttherapy.mt_doc_visit (tenant_id, id, data, mt_version, mt_dotnet_type, mt_last_modified, held_key) values ('bench', bench_visit(currval('bench_visit_id')), '$visit', 1, 'ContractTherapy.Visits.Visits.Visit', transaction_timestamp(), gen_random_uuid());"
    echo "insert into contracttherapy.mt_doc_billablevisit (tenant_id, id, data, mt_version, mt_dotnet_type, mt_last_modified) values ('bench', bench_visit(currval('bench_visit_id')), '$billable', 1, 'ContractTherapy.Invoicing.Billing.BillableVisit', transaction_timestamp());"
  done
  echo '\endpipeline'
  echo 'COMMIT;'
} > "$data/literal.sql"
{
  echo '\startpipeline'
  echo 'BEGIN;'
  for _ in $(seq 1 $batch); do
    echo "insert into contracttherapy.mt_streams (tenant_id, id, type, version) values ('bench', bench_visit(nextval('bench_visit_id')), 'visit', 1);"
    echo "insert into contracttherapy.mt_events (data, type, mt_dotnet_type, id, stream_id, version, timestamp, tenant_id, correlation_id, headers, user_name, seq_id) values (:ev::jsonb, 'visit_logged', 'ContractTherapy.Visits.Visits.VisitLogged, ContractTherapy.Visits', bench_uuid7(), bench_visit(currval('bench_visit_id')), 1, now(), 'bench', '4bf92f3577b34da6a3ce929d0e0e4736', :hd::jsonb, 'bench-user', nextval('contracttherapy.mt_events_sequence'));"
    echo "insert into contracttherapy.mt_doc_visit (tenant_id, id, data, mt_version, mt_dotnet_type, mt_last_modified, held_key) values ('bench', bench_visit(currval('bench_visit_id')), :vi::jsonb, 1, 'ContractTherapy.Visits.Visits.Visit', transaction_timestamp(), gen_random_uuid());"
    echo "insert into contracttherapy.mt_doc_billablevisit (tenant_id, id, data, mt_version, mt_dotnet_type, mt_last_modified) values ('bench', bench_visit(currval('bench_visit_id')), :bi::jsonb, 1, 'ContractTherapy.Invoicing.Billing.BillableVisit', transaction_timestamp());"
  done
  echo '\endpipeline'
  echo 'COMMIT;'
} > "$data/params.sql"
{
  echo '\startpipeline'
  echo 'BEGIN;'
  echo "insert into contracttherapy.mt_streams (tenant_id, id, type, version) select 'bench', bench_visit(s.b + g), 'visit', 1 from (select nextval('bench_visit_block') as b) s, generate_series(0, $batch - 1) g;"
  echo "insert into contracttherapy.mt_events (data, type, mt_dotnet_type, id, stream_id, version, timestamp, tenant_id, correlation_id, headers, user_name, seq_id) select (:ev || left('', g))::jsonb, 'visit_logged', 'ContractTherapy.Visits.Visits.VisitLogged, ContractTherapy.Visits', bench_uuid7(), bench_visit(currval('bench_visit_block') + g), 1, now(), 'bench', '4bf92f3577b34da6a3ce929d0e0e4736', (:hd || left('', g))::jsonb, 'bench-user', nextval('contracttherapy.mt_events_sequence') from generate_series(0, $batch - 1) g;"
  echo "insert into contracttherapy.mt_doc_visit (tenant_id, id, data, mt_version, mt_dotnet_type, mt_last_modified, held_key) select 'bench', bench_visit(currval('bench_visit_block') + g), (:vi || left('', g))::jsonb, 1, 'ContractTherapy.Visits.Visits.Visit', transaction_timestamp(), gen_random_uuid() from generate_series(0, $batch - 1) g;"
  echo "insert into contracttherapy.mt_doc_billablevisit (tenant_id, id, data, mt_version, mt_dotnet_type, mt_last_modified) select 'bench', bench_visit(currval('bench_visit_block') + g), (:bi || left('', g))::jsonb, 1, 'ContractTherapy.Invoicing.Billing.BillableVisit', transaction_timestamp() from generate_series(0, $batch - 1) g;"
  echo '\endpipeline'
  echo 'COMMIT;'
} > "$data/multi.sql"
defs=(-D "ev=$ev" -D "hd=$hd" -D "vi=$vi" -D "bi=$bi")
for shape in literal params multi; do
  "$pg_bin/pgbench" -n -h 127.0.0.1 -p "$pg_port" -U postgres -c 1 -t 1 -M prepared "${defs[@]}" -f "$data/$shape.sql" bench > "$data/check.log" 2>&1 \
    || { echo "the $shape script failed:"; cat "$data/check.log"; exit 1; }
done

echo "| round | single-row ceiling | literal JSON, one row a statement | JSON as parameters, one row a statement | JSON as parameters, $batch rows a statement | load |"
echo "|---|---|---|---|---|---|"
run_shape() {
  sql "checkpoint" >/dev/null
  "$pg_bin/pgbench" -n -h 127.0.0.1 -p "$pg_port" -U postgres -c "$writers" -j "$writers" -T "$seconds" -M prepared "${defs[@]}" -f "$data/$1.sql" bench > "$data/$1.log" 2>&1 \
    || { echo "pgbench ($1) failed:" >&2; cat "$data/$1.log" >&2; exit 1; }
  awk -v t="$(pgbench_tps "$data/$1.log")" -v b=$batch 'BEGIN {printf "%.0f", t * b}'
}
for round in $(seq 1 "$rounds"); do
  sql "checkpoint" >/dev/null; ceiling_run "$seconds" "$data/ceiling.log"; ceiling=$(pgbench_tps "$data/ceiling.log")
  declare -A got=()
  order=(literal params multi); [ $((round % 2)) = 0 ] && order=(multi params literal)
  for shape in "${order[@]}"; do got[$shape]=$(run_shape "$shape"); done
  pct() { awk -v v="$1" -v c="$ceiling" 'BEGIN {printf "%.0f%%", 100 * v / c}'; }
  echo "| $round | $(printf %.0f "$ceiling") | ${got[literal]} ($(pct ${got[literal]})) | ${got[params]} ($(pct ${got[params]})) | ${got[multi]} ($(pct ${got[multi]})) | $(cut -d' ' -f1-3 /proc/loadavg) |"
done

-- Forms of the index of the closes by their lines' visit ids: the function's cost alone (SQL with jsonb_array_elements
-- against jsonb_path_query_array), and a 50,000-line CycleClosed inserted with each, with a larger pending list, and without.
\timing on
drop table if exists x_ev;
create table x_ev (like contracttherapy.mt_events including defaults);
insert into x_ev select * from contracttherapy.mt_events where type = 'cycle_closed' and tenant_id = :'tenant' order by seq_id limit 1;
create or replace function x_billed_visits(lines jsonb) returns uuid[] language sql immutable parallel safe as
$$ select coalesce(array_agg((l ->> 'visitId')::uuid), '{}') from jsonb_array_elements(lines) as l $$;
\echo eval-sqlfn
select cardinality(x_billed_visits(data -> 'lines')) from x_ev;
\echo eval-jsonpath
select jsonb_array_length(jsonb_path_query_array(data -> 'lines', '$[*].visitId')) from x_ev;
create index x_a on x_ev using gin (x_billed_visits(data -> 'lines')) where type = 'cycle_closed';
checkpoint;
\echo insert-sqlfn-default
begin; insert into x_ev select * from x_ev limit 1; rollback;
drop index x_a;
create index x_a on x_ev using gin (x_billed_visits(data -> 'lines')) with (gin_pending_list_limit = 65536) where type = 'cycle_closed';
checkpoint;
\echo insert-sqlfn-biglist
begin; insert into x_ev select * from x_ev limit 1; rollback;
drop index x_a;
create index x_a on x_ev using gin (jsonb_path_query_array(data -> 'lines', '$[*].visitId')) where type = 'cycle_closed';
checkpoint;
\echo insert-jsonpath-default
begin; insert into x_ev select * from x_ev limit 1; rollback;
drop index x_a;
create index x_a on x_ev using gin (jsonb_path_query_array(data -> 'lines', '$[*].visitId')) with (gin_pending_list_limit = 65536) where type = 'cycle_closed';
checkpoint;
\echo insert-jsonpath-biglist
begin; insert into x_ev select * from x_ev limit 1; rollback;
drop index x_a;
checkpoint;
\echo insert-none
begin; insert into x_ev select * from x_ev limit 1; rollback;

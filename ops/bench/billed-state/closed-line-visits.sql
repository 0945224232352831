-- What the index of the closes by their lines' visit ids costs the close: one 50,000-line CycleClosed inserted with and
-- without it (ClosedLineVisits; the function here is the same body under another name).
\timing on
drop table if exists x_ev;
create table x_ev (like contracttherapy.mt_events including defaults);
insert into x_ev select * from contracttherapy.mt_events where type = 'cycle_closed' and tenant_id = :'tenant' order by seq_id limit 1;
select jsonb_array_length(data->'lines') lines, pg_column_size(data) from x_ev;
create or replace function x_billed_visits(lines jsonb) returns uuid[] language sql immutable parallel safe as
$$ select coalesce(array_agg((l ->> 'visitId')::uuid), '{}') from jsonb_array_elements(lines) as l where not (l ->> 'isReversal')::boolean $$;
create index x_ev_billed on x_ev using gin (x_billed_visits(data -> 'lines')) where type = 'cycle_closed';
checkpoint;
\echo insert-with-gin
begin;
insert into x_ev select * from x_ev limit 1;
rollback;
checkpoint;
\echo insert-with-gin-again
begin;
insert into x_ev select * from x_ev limit 1;
rollback;
drop index x_ev_billed;
checkpoint;
\echo insert-without
begin;
insert into x_ev select * from x_ev limit 1;
rollback;

-- The close's CycleClosed as stored until 2026-12-07 (whole lines) and as a CycleLine list (the pay side and ids; the
-- bill side is on the invoices' lines): the text's length and the time to parse and insert each, three times, into
-- scratch tables (x_*). Run on a kept `all.sh --close` database (README.md here says how to start one).
\timing on
drop table if exists x_full, x_slim, x_t1, x_t2;
create table x_full as select data::text as t from contracttherapy.mt_events where type='cycle_closed' and jsonb_array_length(data->'lines') > 1000 limit 1;
create table x_slim as select (data - 'lines' || jsonb_build_object('lines', (select jsonb_agg(jsonb_build_object('visitId', l->'visitId','kind', l->'kind','isReversal', l->'isReversal','agencyId', l->'agencyId','contractorId', l->'contractorId','patientInitials', l->'patient'->'initials','payRate', l->'payRate','payAmount', l->'payAmount','payRateSetId', l->'payRateSetId','payRateIsAgencyOverride', l->'payRateIsAgencyOverride','miles', l->'miles','mileageRate', l->'mileageRate','mileageAmount', l->'mileageAmount','reason', l->'reason')) from jsonb_array_elements(data->'lines') l)))::text as t from contracttherapy.mt_events where type='cycle_closed' and jsonb_array_length(data->'lines') > 1000 limit 1;
alter table x_full alter column t set storage external; alter table x_slim alter column t set storage external;
select length(t) from x_full; select length(t) from x_slim;
create table x_t1 (d jsonb); create table x_t2 (d jsonb);
checkpoint;
insert into x_t1 select t::jsonb from x_full;
insert into x_t2 select t::jsonb from x_slim;
insert into x_t1 select t::jsonb from x_full;
insert into x_t2 select t::jsonb from x_slim;
insert into x_t1 select t::jsonb from x_full;
insert into x_t2 select t::jsonb from x_slim;

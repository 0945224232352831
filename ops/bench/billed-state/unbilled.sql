-- The set of visits not yet invoiced as narrow rows of its own (the next step's design, ops/bench/README.md "What 3 s
-- at 50,000 visits needs"): a row inserted with each visit, deleted by the close that bills it. Times the close's part,
-- the delete of its 50,000 rows, after a checkpoint (as the update was timed), and the close's question through it.
\timing on
drop table if exists x_unbilled;
create table x_unbilled (tenant_id varchar not null, visit_id uuid not null, visit_date date not null, primary key (tenant_id, visit_id));
insert into x_unbilled select tenant_id, id, (data ->> 'visitDate')::date from contracttherapy.mt_doc_billablevisit;
create index on x_unbilled (tenant_id, visit_date);
vacuum analyze x_unbilled;
-- the close's question: the tenant's visits not yet invoiced through the set, joined to their documents
explain (analyze, costs off, timing off, summary on)
select d.id, d.data from x_unbilled as u join contracttherapy.mt_doc_billablevisit as d on d.tenant_id = u.tenant_id and d.id = u.visit_id
 where u.tenant_id = :'tenant' and u.visit_date <= '2100-01-01';
checkpoint;
select pg_current_wal_lsn() as before \gset
begin;
delete from x_unbilled where tenant_id = :'tenant' and visit_id = any(array(select id from contracttherapy.mt_doc_billablevisit where tenant_id = :'tenant'));
commit;
select pg_size_pretty(pg_current_wal_lsn() - :'before') as wal;

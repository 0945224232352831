\timing on
drop table if exists x_bv;
create table x_bv (like contracttherapy.mt_doc_billablevisit including defaults) with (fillfactor = :ff);
alter table x_bv add column visit_date date;
insert into x_bv select tenant_id, id, data - 'billed' || '{"billed": null}', mt_last_modified, mt_dotnet_type, mt_version, (data->>'visitDate')::date from contracttherapy.mt_doc_billablevisit;
alter table x_bv add primary key (tenant_id, id);
create index on x_bv (visit_date);
vacuum analyze x_bv;
checkpoint;
begin;
update x_bv as d set data = (d.data - 'billed' - 'pendingAdjustment') || v.patch::jsonb, mt_version = d.mt_version + 1, mt_last_modified = transaction_timestamp()
  from unnest((select array_agg(id) from x_patch), (select array_agg(patch) from x_patch)) as v(id, patch) where d.tenant_id = :'tenant' and d.id = v.id;
commit;
select n_tup_hot_upd, n_tup_upd, pg_size_pretty(pg_relation_size('x_bv')) from pg_stat_user_tables where relname = 'x_bv';

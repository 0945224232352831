\timing on
drop table if exists x_patch, x_bv;
create table x_patch as select id, jsonb_build_object('billed', data->'billed', 'pendingAdjustment', false)::text as patch from contracttherapy.mt_doc_billablevisit;
create table x_bv (like contracttherapy.mt_doc_billablevisit including all) with (fillfactor = :ff);
insert into x_bv select tenant_id, id, data - 'billed' || '{"billed": null}', mt_last_modified, mt_dotnet_type, mt_version from contracttherapy.mt_doc_billablevisit;
vacuum analyze x_bv;
checkpoint;
select pg_current_wal_lsn() as before \gset
begin;
update x_bv as d set data = (d.data - 'billed' - 'pendingAdjustment') || v.patch::jsonb, mt_version = d.mt_version + 1, mt_last_modified = transaction_timestamp()
  from unnest((select array_agg(id) from x_patch), (select array_agg(patch) from x_patch)) as v(id, patch) where d.tenant_id = :'tenant' and d.id = v.id;
commit;
select pg_size_pretty(pg_current_wal_lsn() - :'before') as wal, n_tup_hot_upd, n_tup_upd from pg_stat_user_tables where relname = 'x_bv';

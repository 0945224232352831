-- Forms of the billed-state update (the document's JSON rebuilt, jsonb_set, a plain column of the same text) against one
-- another, each after a checkpoint.
\timing on
drop table if exists x_patch, x_bv;
create table x_patch as select id, (data->'billed')::text as billed, jsonb_build_object('billed', data->'billed', 'pendingAdjustment', false)::text as patch from contracttherapy.mt_doc_billablevisit;
create table x_bv (like contracttherapy.mt_doc_billablevisit including all);
insert into x_bv select tenant_id, id, data - 'billed' || '{"billed": null}', mt_last_modified, mt_dotnet_type, mt_version from contracttherapy.mt_doc_billablevisit;
alter table x_bv add column extra text;
vacuum analyze x_bv;
create table x_ids as select array_agg(id) ids, array_agg(patch) patches, array_agg(billed) billeds from x_patch;
checkpoint;
\echo concat
begin;
update x_bv as d set data = (d.data - 'billed' - 'pendingAdjustment') || v.patch::jsonb, mt_version = d.mt_version + 1, mt_last_modified = transaction_timestamp()
  from unnest((select ids from x_ids), (select patches from x_ids)) as v(id, patch) where d.tenant_id = :'tenant' and d.id = v.id;
rollback;
checkpoint;
\echo jsonb_set
begin;
update x_bv as d set data = jsonb_set(d.data, '{billed}', v.billed::jsonb), mt_version = d.mt_version + 1, mt_last_modified = transaction_timestamp()
  from unnest((select ids from x_ids), (select billeds from x_ids)) as v(id, billed) where d.tenant_id = :'tenant' and d.id = v.id;
rollback;
checkpoint;
\echo column-only
begin;
update x_bv as d set extra = v.billed, mt_version = d.mt_version + 1, mt_last_modified = transaction_timestamp()
  from unnest((select ids from x_ids), (select billeds from x_ids)) as v(id, billed) where d.tenant_id = :'tenant' and d.id = v.id;
rollback;
drop table x_ids;

\timing on
drop table if exists x_billed, x_billed_doc;
create table x_billed (tenant_id varchar not null, visit_id uuid not null, cycle_id uuid not null, line_no int not null, changes_billed int not null, voided bool not null, primary key (tenant_id, visit_id));
create table x_billed_doc (like contracttherapy.mt_doc_billablevisit including all);
checkpoint;
-- narrow rows: the visit, the close, the line's position, the change counter at billing
begin;
insert into x_billed select :'tenant', v.id, gen_random_uuid(), v.n, 0, false
  from unnest((select array_agg(id order by id) from x_patch)) with ordinality as v(id, n);
commit;
checkpoint;
-- the same as Marten documents carrying the billed line (what a BilledVisit document would be)
begin;
insert into x_billed_doc (tenant_id, id, data, mt_version, mt_dotnet_type, mt_last_modified)
select :'tenant', v.id, v.patch::jsonb, 1, 'BilledVisit', transaction_timestamp()
  from unnest((select array_agg(id) from x_patch), (select array_agg(patch) from x_patch)) as v(id, patch);
commit;

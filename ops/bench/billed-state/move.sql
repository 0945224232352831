-- Moving each visit the close bills from the table of visits not yet invoiced to a table of billed visits, both Marten
-- documents (ops/bench/README.md, "Invoiced visits found by an index"): the move in one statement, then its parts.
\timing on
drop table if exists x_unbilled_docs, x_billed_docs, x_pos;
create table x_unbilled_docs (like contracttherapy.mt_doc_billablevisit including defaults including constraints);
alter table x_unbilled_docs add primary key (tenant_id, id);
insert into x_unbilled_docs select tenant_id, id, data - 'billed' - 'pendingAdjustment' - 'isInvoiced' - 'needsAdjustment', mt_last_modified, mt_dotnet_type, mt_version from contracttherapy.mt_doc_billablevisit;
create index on x_unbilled_docs (tenant_id, contracttherapy.mt_immutable_date(data ->> 'visitDate'));
create table x_billed_docs (like contracttherapy.mt_doc_billablevisit including defaults including constraints);
alter table x_billed_docs add primary key (tenant_id, id);
create index on x_billed_docs (tenant_id, ((data ->> 'pendingAdjustment')::boolean)) where (data ->> 'pendingAdjustment') = 'true';
create table x_pos as select id, (row_number() over (order by id))::int - 1 as position from contracttherapy.mt_doc_billablevisit;
vacuum analyze x_unbilled_docs; vacuum analyze x_billed_docs; vacuum analyze x_pos;
checkpoint;
select pg_current_wal_lsn() as before \gset
begin;
with v as (select * from unnest((select array_agg(id) from x_pos), (select array_agg(position) from x_pos)) as v(id, position)),
moved as (delete from x_unbilled_docs as d using v where d.tenant_id = :'tenant' and d.id = v.id returning d.tenant_id, d.id, d.data, v.position, d.mt_version)
insert into x_billed_docs (tenant_id, id, data, mt_version, mt_last_modified, mt_dotnet_type)
select m.tenant_id, m.id, jsonb_build_object('id', m.data -> 'id', 'contractorId', m.data -> 'contractorId', 'agencyId', m.data -> 'agencyId',
  'patient', m.data -> 'patient', 'visitDate', m.data -> 'visitDate', 'discipline', m.data -> 'discipline', 'visitType', m.data -> 'visitType',
  'miles', m.data -> 'miles', 'voided', false, 'lastChangeReason', null,
  'billed', jsonb_build_object('cycleId', 'cb8ff531-4dfe-5f58-b1f0-e18b2c3251e1'::uuid, 'position', m.position, 'agencyId', m.data -> 'agencyId', 'visitDate', m.data -> 'visitDate',
     'discipline', m.data -> 'discipline', 'visitType', m.data -> 'visitType', 'miles', m.data -> 'miles', 'voided', false),
  'pendingAdjustment', false), 1, transaction_timestamp(), 'x'
from moved as m;
commit;
select pg_size_pretty(pg_current_wal_lsn() - :'before') as wal;

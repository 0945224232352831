-- The parts of the move (run after move.sql): the delete alone, a plain copy of the rows, and the billed documents
-- built in SQL in several shapes (whole, concatenated, nested, narrow, narrow from the host's arrays).
\timing on
truncate x_billed_docs;
insert into x_unbilled_docs select tenant_id, id, data - 'billed' - 'pendingAdjustment' - 'isInvoiced' - 'needsAdjustment', mt_last_modified, mt_dotnet_type, mt_version from contracttherapy.mt_doc_billablevisit on conflict do nothing;
vacuum analyze x_unbilled_docs; vacuum analyze x_billed_docs;
checkpoint;
\echo delete-only
begin;
delete from x_unbilled_docs as d using x_pos v where d.tenant_id = :'tenant' and d.id = v.id;
rollback;
checkpoint;
\echo insert-plain
begin;
insert into x_billed_docs select * from x_unbilled_docs;
rollback;
checkpoint;
\echo insert-built
begin;
insert into x_billed_docs (tenant_id, id, data, mt_version, mt_last_modified, mt_dotnet_type)
select m.tenant_id, m.id, jsonb_build_object('id', m.data -> 'id', 'contractorId', m.data -> 'contractorId', 'agencyId', m.data -> 'agencyId',
  'patient', m.data -> 'patient', 'visitDate', m.data -> 'visitDate', 'discipline', m.data -> 'discipline', 'visitType', m.data -> 'visitType',
  'miles', m.data -> 'miles', 'voided', false, 'lastChangeReason', null,
  'billed', jsonb_build_object('cycleId', 'cb8ff531-4dfe-5f58-b1f0-e18b2c3251e1'::uuid, 'position', 1, 'agencyId', m.data -> 'agencyId', 'visitDate', m.data -> 'visitDate',
     'discipline', m.data -> 'discipline', 'visitType', m.data -> 'visitType', 'miles', m.data -> 'miles', 'voided', false),
  'pendingAdjustment', false), 1, transaction_timestamp(), 'x'
from x_unbilled_docs as m;
rollback;
select pg_column_size(data) from x_unbilled_docs limit 3;
\echo concat
begin;
insert into x_billed_docs (tenant_id, id, data, mt_version, mt_last_modified, mt_dotnet_type)
select m.tenant_id, m.id, m.data || jsonb_build_object('billed', jsonb_build_object('cycleId', 'cb8ff531-4dfe-5f58-b1f0-e18b2c3251e1'::uuid, 'position', 1, 'agencyId', m.data -> 'agencyId', 'visitDate', m.data -> 'visitDate',
     'discipline', m.data -> 'discipline', 'visitType', m.data -> 'visitType', 'miles', m.data -> 'miles', 'voided', false), 'pendingAdjustment', false), 1, transaction_timestamp(), 'x'
from x_unbilled_docs as m;
rollback;
checkpoint;
\echo nested
begin;
insert into x_billed_docs (tenant_id, id, data, mt_version, mt_last_modified, mt_dotnet_type)
select m.tenant_id, m.id, jsonb_build_object('id', m.id, 'visit', m.data, 'billed', jsonb_build_object('cycleId', 'cb8ff531-4dfe-5f58-b1f0-e18b2c3251e1'::uuid, 'position', 1), 'pendingAdjustment', false), 1, transaction_timestamp(), 'x'
from x_unbilled_docs as m;
rollback;
checkpoint;
\echo narrow
begin;
insert into x_billed_docs (tenant_id, id, data, mt_version, mt_last_modified, mt_dotnet_type)
select m.tenant_id, m.id, jsonb_build_object('id', m.id, 'contractorId', m.data -> 'contractorId', 'billed', jsonb_build_object('cycleId', 'cb8ff531-4dfe-5f58-b1f0-e18b2c3251e1'::uuid, 'position', 1, 'agencyId', m.data -> 'agencyId', 'visitDate', m.data -> 'visitDate',
     'discipline', m.data -> 'discipline', 'visitType', m.data -> 'visitType', 'miles', m.data -> 'miles', 'voided', false), 'pendingAdjustment', false), 1, transaction_timestamp(), 'x'
from x_unbilled_docs as m;
rollback;
checkpoint;
\echo narrow-from-host-arrays
begin;
insert into x_billed_docs (tenant_id, id, data, mt_version, mt_last_modified, mt_dotnet_type)
select :'tenant', v.id, jsonb_build_object('id', v.id, 'billed', jsonb_build_object('cycleId', 'cb8ff531-4dfe-5f58-b1f0-e18b2c3251e1'::uuid, 'position', v.position), 'pendingAdjustment', false), 1, transaction_timestamp(), 'x'
from x_pos v;
rollback;

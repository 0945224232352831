\timing on
-- parse only
select count(*) from x_patch where patch::jsonb is not null;
-- jsonb ops only (no write)
select count(*) from x_bv d join x_patch v on d.id = v.id where ((d.data - 'billed' - 'pendingAdjustment') || v.patch::jsonb) is not null;
-- the write of same-size rows without json work: set mt_version
begin; update x_bv set mt_version = mt_version + 1; rollback;
-- set data = data
begin; update x_bv set data = data; rollback;

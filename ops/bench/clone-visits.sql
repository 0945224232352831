-- Bench data only (ops/bench/replay.sh, BENCH_REPLAY_API_EVENTS): grows the event store by cloning
-- visits that the API logged. Each clone is a new visit stream holding a copy of a logged visit's
-- one event (visit_logged) under a new id, with the documents the inline projections made of it
-- (Visit, BillableVisit) copied under that id, so the live documents are what replaying the
-- events gives. At most :n visits a round; run it until the store is big enough.
begin;
create temp table clone_map on commit drop as
  select e.tenant_id, e.stream_id as old_id, gen_random_uuid() as new_id, e.seq_id
  from contracttherapy.mt_events e join contracttherapy.mt_streams s on s.tenant_id = e.tenant_id and s.id = e.stream_id
  where e.type = 'visit_logged' and s.version = 1
  order by e.seq_id limit :n;
insert into contracttherapy.mt_streams (tenant_id, id, type, version, timestamp, created, compacted_version, is_archived)
  select s.tenant_id, m.new_id, s.type, s.version, s.timestamp, s.created, s.compacted_version, s.is_archived
  from clone_map m join contracttherapy.mt_streams s on s.tenant_id = m.tenant_id and s.id = m.old_id;
insert into contracttherapy.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type,
    correlation_id, causation_id, headers, user_name, is_archived)
  select nextval('contracttherapy.mt_events_sequence'), gen_random_uuid(), m.new_id, e.version,
    replace(e.data::text, m.old_id::text, m.new_id::text)::jsonb, e.type, e.timestamp, e.tenant_id, e.mt_dotnet_type,
    e.correlation_id, e.causation_id, e.headers, e.user_name, e.is_archived
  from clone_map m join contracttherapy.mt_events e on e.tenant_id = m.tenant_id and e.stream_id = m.old_id
  order by m.seq_id;
do $$
declare t text; cols text;
begin
  foreach t in array array['mt_doc_visit', 'mt_doc_billablevisit'] loop
    select string_agg(quote_ident(column_name), ', ' order by ordinal_position) into cols
      from information_schema.columns
      where table_schema = 'contracttherapy' and table_name = t and column_name not in ('id', 'data', 'tenant_id');
    execute format('insert into contracttherapy.%I (tenant_id, id, data, %s)
                    select d.tenant_id, m.new_id, replace(d.data::text, m.old_id::text, m.new_id::text)::jsonb, %s
                    from clone_map m join contracttherapy.%I d on d.tenant_id = m.tenant_id and d.id = m.old_id',
                   t, cols, (select string_agg('d.' || c, ', ') from unnest(string_to_array(cols, ', ')) c), t);
  end loop;
end $$;
commit;

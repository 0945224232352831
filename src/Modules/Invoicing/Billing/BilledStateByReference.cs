using ContractTherapy.Shared.Persistence;
using Marten;

namespace ContractTherapy.Invoicing.Billing;

/// <summary>
/// Brings billable visits stored before 2026-12-07 (their <c>billed</c> state carried a copy of the close line) to the
/// shape written since (<see cref="BilledAs"/>: where the line is, the facts it was billed on), at each start, after
/// Marten applied the schema (see <c>InvoiceDocumentsWithoutLines</c> for why). The line of a visit is its last
/// non-reversing line in the last close that had one, as the projection folds it; each tenant's closes are taken apart
/// once, and only when one of its visits still has the old shape. Whether any document still has it is asked first,
/// once, through a partial index that is empty once they are moved: PostgreSQL then does not read the events at all,
/// so a start costs nothing after the first (BilledStateTests checks the plan).
/// </summary>
public sealed class BilledStateByReference : StartupStatement
{
    /// <summary>What an old-shape document has and a new one has not.</summary>
    public const string OldShapePredicate = "data -> 'billed' -> 'line' is not null";

    public override string Sql(IReadOnlyStoreOptions options)
    {
        var table = options.TableOf<BillableVisit>();
        return $"""
            with lines as (
                select e.tenant_id, e.seq_id, e.stream_id as cycle, l.position - 1 as position, l.line
                  from {options.Events.DatabaseSchemaName}.mt_events as e
                       cross join lateral jsonb_array_elements(e.data -> 'lines') with ordinality as l(line, position)
                 where (select 1 from {table} as a where a.{OldShapePredicate} order by a.tenant_id limit 1) is not null
                   and e.type = 'cycle_closed' and not (l.line ->> 'isReversal')::boolean
                   and exists (select 1 from {table} as o where o.tenant_id = e.tenant_id and o.{OldShapePredicate})),
            last as (
                select distinct on (tenant_id, (line ->> 'visitId')::uuid) tenant_id, (line ->> 'visitId')::uuid as visit, cycle, position, line
                  from lines
                 order by tenant_id, (line ->> 'visitId')::uuid, seq_id desc, position desc)
            update {table} as d
               set data = jsonb_set(d.data, array['billed'], jsonb_build_object(
                   'cycleId', l.cycle, 'position', l.position, 'agencyId', l.line -> 'agencyId', 'visitDate', l.line -> 'visitDate',
                   'discipline', l.line -> 'discipline', 'visitType', l.line -> 'visitType', 'miles', l.line -> 'miles',
                   'voided', d.data -> 'billed' -> 'voided'))
              from last as l
             where d.{OldShapePredicate} and d.tenant_id = l.tenant_id and d.id = l.visit
            """;
    }
}

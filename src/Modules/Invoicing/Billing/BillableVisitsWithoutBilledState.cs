using ContractTherapy.Shared.Persistence;
using Marten;

namespace ContractTherapy.Invoicing.Billing;

/// <summary>
/// Brings billable visits stored before 2026-12-07 (every visit ever logged, each with its billed state: a copy of its
/// line, or since 4d3c41b where its line is) to what <see cref="BillableVisitProjection"/> folds since, at each start,
/// after Marten applied the schema:
/// <list type="bullet">
/// <item>billed and unchanged since, or voided before it was invoiced: deleted (nothing for a close to do);</item>
/// <item>not yet invoiced: its billed state dropped, <c>invoiced</c> false, <c>corrected</c> if a correction gave it its
/// reason (a void would have deleted it);</item>
/// <item>invoiced and changed since (<c>pendingAdjustment</c>): the document of its changes, corrected if the visit has a
/// correction after the close its billed state names (the last that had a line of it: a visit changed since was not
/// reversed, a reversal only follows a void and a void is final), with the facts as they stand, which are that
/// correction's; else only voided (its <c>voided</c> copied, not assumed: a change pending without a correction since
/// can only be a void, and if it were not, the visit is left billed as it was rather than credited).</item>
/// </list>
/// Old documents are the ones with a <c>pendingAdjustment</c> field, found through a partial index that is empty once
/// they are moved, so a later start reads nothing (BilledStateTests checks the plan). It runs again harmlessly.
/// </summary>
public sealed class BillableVisitsWithoutBilledState : StartupStatement
{
    /// <summary>What an old document has and a new one has not.</summary>
    public const string OldShapePredicate = "data -> 'pendingAdjustment' is not null";

    public const string OldShapeIndex = "mt_doc_billablevisit_idx_billed_state";

    public override string Sql(IReadOnlyStoreOptions options)
    {
        var table = options.TableOf<BillableVisit>();
        var events = $"{options.Events.DatabaseSchemaName}.mt_events";
        // The fields a changed document does not carry, as the serializer writes their defaults.
        var serializer = options.Serializer();
        string Template(BillableVisit v) => serializer.ToJson(v).Replace("'", "''");
        var corrected = Template(BillableVisit.ChangedSinceInvoiced(Guid.Empty) with { Corrected = true });
        var voided = Template(BillableVisit.ChangedSinceInvoiced(Guid.Empty) with { Voided = true });
        return $"""
            with old as materialized (
                select o.tenant_id, o.id, o.data,
                       case when o.data ->> 'billed' is null then case when o.data ->> 'voided' = 'true' then 'drop' else 'open' end
                            when o.data ->> 'pendingAdjustment' = 'true' then 'changed'
                            else 'drop' end as state
                  from {table} as o
                 where o.{OldShapePredicate}),
            dropped as (
                delete from {table} as d using old
                 where old.state = 'drop' and d.tenant_id = old.tenant_id and d.id = old.id)
            update {table} as d
               set data = case
                   when old.state = 'open' then (old.data - 'billed' - 'pendingAdjustment' - 'isInvoiced' - 'needsAdjustment')
                        || jsonb_build_object('invoiced', false, 'corrected', old.data ->> 'lastChangeReason' is not null)
                   when exists (select from {events} as c join {events} as e on e.tenant_id = c.tenant_id and e.seq_id > c.seq_id
                                 where c.tenant_id = old.tenant_id and c.type = 'cycle_closed'
                                   and c.stream_id = (old.data -> 'billed' ->> 'cycleId')::uuid
                                   and e.stream_id = old.id and e.type = 'visit_corrected')
                   then '{corrected}'::jsonb || jsonb_build_object('id', old.data -> 'id', 'agencyId', old.data -> 'agencyId',
                        'patient', old.data -> 'patient', 'visitDate', old.data -> 'visitDate', 'discipline', old.data -> 'discipline',
                        'visitType', old.data -> 'visitType', 'miles', old.data -> 'miles', 'voided', old.data -> 'voided',
                        'lastChangeReason', old.data -> 'lastChangeReason')
                   else '{voided}'::jsonb || jsonb_build_object('id', old.data -> 'id', 'voided', old.data -> 'voided',
                        'lastChangeReason', old.data -> 'lastChangeReason')
                   end,
                   mt_version = d.mt_version + 1, mt_last_modified = transaction_timestamp()
              from old
             where old.state in ('open', 'changed') and d.tenant_id = old.tenant_id and d.id = old.id
            """;
    }
}

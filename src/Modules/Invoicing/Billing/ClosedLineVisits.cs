using ContractTherapy.Shared.Persistence;
using Marten;

namespace ContractTherapy.Invoicing.Billing;

/// <summary>
/// An index of the closes by the visits they have a line of: a GIN index over the visit ids of each
/// <see cref="CycleClosed"/>'s lines (a function of the event's own data, so nothing is written beside the event and
/// nothing can disagree with it). It is how <see cref="BilledLines"/> finds the line an invoiced visit was billed on
/// without a billed state kept per visit: a close of 50,000 visits adds 50,000 keys to it (about 0.17 s on the bench
/// database) where rewriting 50,000 documents took 1.1-1.9 s (ops/bench/README.md, "Invoiced visits found by an index").
/// Created at start if missing, after Marten applied the schema; Marten is told to leave it alone (InvoicingModule). On a
/// store that has events already, the first start builds it: it reads the whole events table once, and holds off
/// appends while it does.
/// </summary>
public sealed class ClosedLineVisits : StartupStatement
{
    public const string IndexName = "mt_events_idx_closed_line_visits";

    public const string FunctionName = "ct_closed_line_visits";

    /// <summary>The indexed expression, for an alias of mt_events: the planner uses the index only for this very expression.</summary>
    public static string Expression(string schema, string alias) => $"{schema}.{FunctionName}({alias}.data -> 'lines')";

    public override string Sql(IReadOnlyStoreOptions options)
    {
        var schema = options.Events.DatabaseSchemaName;
        // Two nodes starting at once: the advisory lock lets one create them and the other find them.
        return $$"""
            do $do$
            begin
              perform pg_advisory_xact_lock(hashtext('contracttherapy:{{IndexName}}'));
              if not exists (select from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace
                              where n.nspname = '{{schema}}' and p.proname = '{{FunctionName}}') then
                create function {{schema}}.{{FunctionName}}(lines jsonb) returns uuid[] language sql immutable parallel safe
                  as $fn$ select coalesce(array_agg((l ->> 'visitId')::uuid), '{}') from jsonb_array_elements(lines) as l $fn$;
              end if;
              if not exists (select from pg_indexes where schemaname = '{{schema}}' and indexname = '{{IndexName}}') then
                create index {{IndexName}} on {{schema}}.mt_events using gin ({{schema}}.{{FunctionName}}(data -> 'lines'))
                 where type = 'cycle_closed';
              end if;
            end
            $do$
            """;
    }
}

using ContractTherapy.Shared.Persistence;
using Marten;

namespace ContractTherapy.Invoicing.Billing;

/// <summary>
/// An index of the closes by the visits they have a line of: a GIN index over the visit ids of each
/// <see cref="CycleClosed"/>'s lines (a function of the event's own data, so nothing is written beside the event and
/// nothing can disagree with it). It is how <see cref="BilledLines"/> finds the line an invoiced visit was billed on
/// without a billed state kept per visit: a close of 50,000 visits adds 50,000 keys to it (about 0.17 s on the bench
/// database; the first form of the index) where rewriting 50,000 documents took 1.1-1.9 s (ops/bench/README.md, "Invoiced visits found by an index").
/// Created at start if missing, after Marten applied the schema; Marten is told to leave it alone (InvoicingModule). On a
/// store that has events already, the first start builds it: it reads the whole events table once, and holds off
/// appends while it does.
/// </summary>
public sealed class ClosedLineVisits : StartupStatement
{
    public const string IndexName = "mt_events_idx_closed_line_visit_ids";

    /// <summary>The first form (2026-12-07 early morning): its own SQL function over <c>jsonb_array_elements</c>, dropped at start.</summary>
    public const string FirstIndexName = "mt_events_idx_closed_line_visits";

    /// <summary>
    /// The indexed expression, for an alias of mt_events (the planner uses the index only for this very expression): the
    /// visit ids of the close's lines as a <c>jsonb</c> array of strings, asked with <c>?|</c>. Built in, it costs a 50,000-line
    /// close 70 ms to compute where the first form's SQL function took 136-161 ms; inserting such a close with it 151-161 ms
    /// against 201-228 ms (ops/bench/billed-state/closed-line-visits-forms.sql).
    /// </summary>
    public static string Expression(string? alias = null) => $"jsonb_path_query_array({(alias is null ? "" : alias + ".")}data -> 'lines', '$[*].visitId')";

    public override string Sql(IReadOnlyStoreOptions options)
    {
        var schema = options.Events.DatabaseSchemaName;
        // Two nodes starting at once: the advisory lock lets one create it and the other find it.
        return $$"""
            do $do$
            begin
              perform pg_advisory_xact_lock(hashtext('contracttherapy:{{IndexName}}'));
              drop index if exists {{schema}}.{{FirstIndexName}};
              drop function if exists {{schema}}.ct_closed_line_visits(jsonb);
              if not exists (select from pg_indexes where schemaname = '{{schema}}' and indexname = '{{IndexName}}') then
                create index {{IndexName}} on {{schema}}.mt_events using gin ({{Expression()}})
                 where type = 'cycle_closed';
              end if;
            end
            $do$
            """;
    }
}

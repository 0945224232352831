using ContractTherapy.Invoicing.Cycles;
using Marten;

namespace ContractTherapy.Invoicing.Billing;

/// <summary>
/// The line each invoiced visit was last billed on, read out of the <see cref="CycleClosed"/> events that hold them: the
/// closes that have a line of the visit are found through <see cref="ClosedLineVisits"/>' index, and the visit's line is
/// in the latest of them, its last non-reversing line there (a close that only reversed it left nothing billed). One query
/// for all of a close's changed visits; PostgreSQL takes each of those closes' lines apart once (the materialized CTE)
/// and sends back only the lines asked for, not the close's whole event.
/// </summary>
public static class BilledLines
{
    /// <summary>
    /// The closes are found by their visits alone and only then kept if they are the tenant's: asked for both at once,
    /// PostgreSQL may read the tenant's whole history through the events' primary key (it did, for a tenant it guessed
    /// small) and take every close apart. Visit ids are unique, so the other tenants' closes found are none.
    /// </summary>
    public const char Placeholder = '^';

    public static string Sql(IQuerySession session)
    {
        var schema = session.DocumentStore.Options.Events.DatabaseSchemaName;
        return $"""
            with found as materialized (
                select e.tenant_id, e.seq_id, e.data -> 'lines' as lines
                  from {schema}.mt_events as e
                 where e.type = 'cycle_closed' and {ClosedLineVisits.Expression("e")} ?| ^::text[]),
            closes as materialized (select seq_id, lines from found where tenant_id = ^),
            wanted as materialized (
                select c.seq_id, l.position, l.line
                  from closes as c cross join lateral jsonb_array_elements(c.lines) with ordinality as l(line, position)
                 where (l.line ->> 'visitId')::uuid = any(^::uuid[]))
            select distinct on ((line ->> 'visitId')::uuid) line
              from wanted
             order by (line ->> 'visitId')::uuid, seq_id desc, (line ->> 'isReversal')::boolean, position desc
            """;
    }

    /// <summary>
    /// By visit, the line each of <paramref name="visits"/> was last billed on; a reversal if the last close that had
    /// the visit only credited it. A visit without any line (a document that says it was invoiced, with no close that
    /// invoiced it) stops the close rather than bill it as if it never was.
    /// </summary>
    public static async Task<IReadOnlyDictionary<Guid, ClosedLine>> ReadAsync(IQuerySession session, IEnumerable<BillableVisit> visits, CancellationToken ct)
    {
        var ids = visits.Where(v => v.Invoiced).Select(v => v.Id).Distinct().ToArray();
        if (ids.Length == 0) return new Dictionary<Guid, ClosedLine>();
        // '^' marks the parameters: '?|' is the index's operator (visit ids as the strings the events hold).
        var lines = await session.QueryAsync<ClosedLine>(Placeholder, Sql(session), ct, ids.Select(id => id.ToString()).ToArray(), session.TenantId, ids);
        var byVisit = lines.ToDictionary(l => l.VisitId);
        var missing = ids.Where(id => !byVisit.ContainsKey(id)).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException(
                $"No close has a line of {missing.Count} invoiced visit(s): {string.Join(", ", missing.Take(10))}.");
        return byVisit;
    }
}

using ContractTherapy.Invoicing.Cycles;
using Marten;

namespace ContractTherapy.Invoicing.Billing;

/// <summary>
/// The lines visits were billed on, read out of the <see cref="CycleClosed"/> events that hold them (<see cref="BilledAs"/>
/// keeps only where a line is). One query for all of a close's adjustments; PostgreSQL takes each close's lines apart
/// once (the materialized CTE) and sends back only the lines asked for, not the close's whole event.
/// </summary>
public static class BilledLines
{
    public static string Sql(IQuerySession session) => $"""
        with closes as materialized (
            select e.stream_id as cycle, e.data -> 'lines' as lines
              from {session.DocumentStore.Options.Events.DatabaseSchemaName}.mt_events as e
             where e.tenant_id = ? and e.type = 'cycle_closed' and e.stream_id = any(?::uuid[]))
        select c.lines -> b.position
          from closes as c join unnest(?::uuid[], ?::int[]) as b(cycle, position) on b.cycle = c.cycle
         where c.lines -> b.position is not null
        """;

    /// <summary>The billed line of each visit that is billed and not reversed, by visit.</summary>
    public static async Task<IReadOnlyDictionary<Guid, ClosedLine>> ReadAsync(IQuerySession session, IEnumerable<BillableVisit> visits, CancellationToken ct)
    {
        var billed = visits.Where(v => v.Billed is { Voided: false }).ToList();
        if (billed.Count == 0) return new Dictionary<Guid, ClosedLine>();
        var cycles = billed.Select(v => v.Billed!.CycleId).ToArray();
        var lines = await session.QueryAsync<ClosedLine>(Sql(session), ct, session.TenantId, cycles.Distinct().ToArray(), cycles,
            billed.Select(v => v.Billed!.Position).ToArray());
        var byVisit = lines.GroupBy(l => l.VisitId).ToDictionary(g => g.Key, g => g.First());
        // A position that does not hold the line the visit was billed on (a document of another shape, a node of an older
        // version) must stop the close rather than credit another visit's line, or a reversal, or other facts.
        var wrong = billed.Where(v => !byVisit.TryGetValue(v.Id, out var line) || !IsBilledLine(line, v.Billed!)).Select(v => v.Id).ToList();
        if (wrong.Count > 0 || lines.Count != billed.Count)
            throw new InvalidOperationException(
                $"The billed line of {wrong.Count} visit(s) is not where their billed state points: {string.Join(", ", wrong.Take(10))}.");
        return byVisit;
    }

    /// <summary>The line the billed state was made from: a non-reversing line giving the same billed state.</summary>
    private static bool IsBilledLine(ClosedLine line, BilledAs billed) =>
        !line.IsReversal && BilledAs.Of(billed.CycleId, billed.Position, line) == billed;
}

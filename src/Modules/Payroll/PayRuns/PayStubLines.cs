using JasperFx.Events;
using Marten;

namespace ContractTherapy.Payroll.PayRuns;

/// <summary>
/// A pay stub's lines, read from its <see cref="PayStubIssued"/> in the pay run stream (the stored <see cref="PayStub"/>
/// document does not carry them; see its remarks). One round trip for any number of stubs: each stub's event by its
/// version, or, for a document stored before the version was recorded, its pay run's events (each run read once).
/// </summary>
public static class PayStubLines
{
    public static async Task<PayStub> WithLinesAsync(this IQuerySession session, PayStub stub, CancellationToken ct) =>
        (await session.WithLinesAsync([stub], ct))[0];

    /// <summary>The stubs, in the same order, each with its lines (those that have them already are returned as they are).</summary>
    public static async Task<IReadOnlyList<PayStub>> WithLinesAsync(this IQuerySession session, IReadOnlyList<PayStub> stubs, CancellationToken ct)
    {
        var without = stubs.Where(s => s.Lines.Count == 0).DistinctBy(s => s.Id).ToList();
        if (without.Count == 0) return stubs;
        var batch = session.CreateBatchQuery();
        // Each stub's own event; a document without its event's version (stored before it was recorded, before the
        // start's migration ran) is found among its pay run's events, each pay run read once.
        var own = without.Where(s => s.IssuedVersion > 0)
            .Select(s => batch.Events.FetchStream(s.PayRunId, version: s.IssuedVersion, fromVersion: s.IssuedVersion)).ToList();
        var runs = without.Where(s => s.IssuedVersion <= 0).Select(s => s.PayRunId).Distinct()
            .Select(run => batch.Events.FetchStream(run)).ToList();
        await batch.Execute(ct);
        var issued = new Dictionary<Guid, PayStubIssued>();
        foreach (var events in own.Concat(runs))
            foreach (var e in (await events).Select(e => e.Data).OfType<PayStubIssued>())
                issued[e.PayStubId] = e;
        var lines = new Dictionary<Guid, IReadOnlyList<PayStubLine>>();
        foreach (var stub in without)
            lines[stub.Id] = issued.TryGetValue(stub.Id, out var e) ? e.Lines
                : throw new InvalidOperationException($"Pay stub {stub.Id} has no {nameof(PayStubIssued)} in its pay run stream.");
        return stubs.Select(s => s.Lines.Count == 0 ? s with { Lines = lines[s.Id], LineCount = lines[s.Id].Count } : s).ToList();
    }
}

using JasperFx.Events;
using Marten;

namespace ContractTherapy.Payroll.PayRuns;

/// <summary>
/// A pay stub's lines, read from its <see cref="PayStubIssued"/> in the pay run stream (the stored <see cref="PayStub"/>
/// document does not carry them; see its remarks). One round trip for any number of stubs: each stub's event by its
/// version, or, for a document stored before the version was recorded, the pay run's events.
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
        var reads = without.Select(s => (Stub: s, Events: s.IssuedVersion > 0
            ? batch.Events.FetchStream(s.PayRunId, version: s.IssuedVersion, fromVersion: s.IssuedVersion)
            : batch.Events.FetchStream(s.PayRunId))).ToList();
        await batch.Execute(ct);
        var lines = new Dictionary<Guid, IReadOnlyList<PayStubLine>>();
        foreach (var (stub, events) in reads)
            lines[stub.Id] = (await events).Select(e => e.Data).OfType<PayStubIssued>().SingleOrDefault(p => p.PayStubId == stub.Id)?.Lines
                ?? throw new InvalidOperationException($"Pay stub {stub.Id} has no {nameof(PayStubIssued)} in its pay run stream.");
        return stubs.Select(s => s.Lines.Count == 0 ? s with { Lines = lines[s.Id], LineCount = lines[s.Id].Count } : s).ToList();
    }
}

using ContractTherapy.Visits.Visits;
using Marten;

namespace ContractTherapy.Visits.InvoicingVisits;

/// <summary>The message a cycle close sends the Visits module: these visits are now on the cycle's invoices.</summary>
public sealed record VisitsInvoiced(Guid CycleId, IReadOnlyList<Guid> VisitIds);

/// <summary>
/// Records on each visit's stream that it was invoiced, so visits list as <c>invoiced</c> with
/// their cycle. Redelivery is harmless: a visit already marked for the cycle is skipped.
/// </summary>
public static class MarkVisitsInvoicedHandler
{
    /// <summary>Visits fetched per batch query: one round trip for each, not one per visit (50,000 visits in a close).</summary>
    public const int FetchBatchSize = 1000;

    public static Task Handle(VisitsInvoiced message, IDocumentSession session, CancellationToken ct) =>
        MarkAsync(message, session, FetchBatchSize, ct);

    /// <summary>The handler's work, with the batch size a test can make small. The caller saves the session.</summary>
    public static async Task MarkAsync(VisitsInvoiced message, IDocumentSession session, int batchSize, CancellationToken ct)
    {
        foreach (var chunk in message.VisitIds.Chunk(batchSize))
        {
            // Fetched for writing so the visit's version stays exact (corrections are checked against it).
            var batch = session.CreateBatchQuery();
            var streams = chunk.Select(id => batch.Events.FetchForWriting<Visit>(id)).ToList();
            await batch.Execute(ct);
            foreach (var pending in streams)
            {
                var stream = await pending;
                if (stream.Aggregate is { } visit && visit.CycleId != message.CycleId) stream.AppendOne(new VisitInvoiced(visit.Id, message.CycleId));
            }
        }
    }
}

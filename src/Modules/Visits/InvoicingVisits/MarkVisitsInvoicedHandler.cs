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
    public static async Task Handle(VisitsInvoiced message, IDocumentSession session, CancellationToken ct)
    {
        foreach (var id in message.VisitIds)
        {
            // Fetched for writing so the visit's version stays exact (corrections are checked against it).
            var stream = await session.Events.FetchForWriting<Visit>(id, ct);
            if (stream.Aggregate is { } visit && visit.CycleId != message.CycleId) stream.AppendOne(new VisitInvoiced(id, message.CycleId));
        }
    }
}

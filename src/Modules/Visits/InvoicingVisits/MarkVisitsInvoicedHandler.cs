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
        var visits = await session.LoadManyAsync<Visit>(ct, message.VisitIds);
        foreach (var visit in visits.Where(v => v.CycleId != message.CycleId))
            session.Events.Append(visit.Id, new VisitInvoiced(visit.Id, message.CycleId));
    }
}

using JasperFx.Events.Projections;
using Marten;

namespace ContractTherapy.Payments.TaxReporting;

/// <summary>
/// The 1099-NEC totals as read, and how far they trail the payments: the totals are an async
/// projection (README, "Read your own writes"), so a payment recorded a moment ago may not be in
/// them yet. <c>stale</c> says so, <c>pendingPayments</c> counts this tenant's payment events the
/// totals do not include yet, <c>projectedThrough</c> is the event sequence they include (absent
/// for <c>asOf</c> reads, which fold the events themselves and never trail). A contractor sees
/// only <c>stale</c>: the count covers every contractor's payments.
/// </summary>
public sealed record NecYearReading(int Year, decimal? Threshold, DateOnly DueOn, IReadOnlyList<NecContractor> Contractors, bool Stale,
    int? PendingPayments, long? ProjectedThrough)
{
    /// <summary>
    /// Whether this release knows the year's IRIS columns (<see cref="IrisTemplate"/>): without them the IRIS file is refused
    /// (<c>iris-template-known</c>), so the screen can say so before a click does.
    /// </summary>
    public bool IrisTemplateKnown => IrisTemplate.ColumnsFor(Year) is not null;

    public static NecYearReading Current(NecYear report) =>
        new(report.Year, report.Threshold, report.DueOn, report.Contractors, false, 0, null);
}

public static class TaxYearFreshness
{
    /// <summary>The projection's shard, as the daemon records its progress.</summary>
    public static readonly ShardName Shard = new("ContractorTaxYear");

    public static readonly string[] PaymentEvents = ["payment_sent", "manual_payment_recorded", "payment_reversed"];

    /// <summary>
    /// Reads the projection's progress first, then the totals: payments counted as pending here may
    /// already be in the totals read after (never the reverse), so a reading is never wrongly fresh.
    /// </summary>
    public static async Task<(long ProjectedThrough, int Pending)> Of(IQuerySession session, CancellationToken ct)
    {
        var through = await session.DocumentStore.Advanced.ProjectionProgressFor(Shard, token: ct);
        var pending = await session.Events.QueryAllRawEvents()
            .Where(e => e.Sequence > through && (e.EventTypeName == "payment_sent" || e.EventTypeName == "manual_payment_recorded"
                                                 || e.EventTypeName == "payment_reversed"))
            .CountAsync(ct);
        return (through, pending);
    }
}

using ContractTherapy.Shared.Persistence;
using ContractTherapy.Shared.Tenancy;

namespace ContractTherapy.Invoicing.Cycles;

public enum CycleStatus { Open, Closed }

/// <summary>A billing cycle stream's state. Its id is derived from the tenant and its start date, so racing openers meet.</summary>
public sealed record BillingCycle(
    Guid Id,
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    CycleFrequency Frequency,
    CycleStatus Status,
    long NextInvoiceNumber,
    DateTimeOffset? ClosedAt,
    IReadOnlyList<Guid> InvoiceIds,
    IReadOnlyList<Guid> PayStubIds)
{
    public static Guid IdFor(string tenant, DateOnly periodStart) => StreamIds.For("billing-cycle", $"{tenant}:{periodStart:yyyy-MM-dd}");

    public static BillingCycle Create(CycleOpened e) =>
        new(e.CycleId, e.PeriodStart, e.PeriodEnd, e.Frequency, CycleStatus.Open, e.NextInvoiceNumber, null, [], []);

    public BillingCycle Apply(CycleClosed e) => this with
    {
        Status = CycleStatus.Closed,
        ClosedAt = e.ClosedAt,
        InvoiceIds = e.Invoices.Select(i => i.InvoiceId).ToList(),
        PayStubIds = e.PayStubs.Select(p => p.PayStubId).ToList(),
    };
}

public sealed record CycleView(Guid Id, DateOnly PeriodStart, DateOnly PeriodEnd, string Frequency, string Status, DateTimeOffset? ClosedAt)
{
    public static CycleView From(BillingCycle c) => new(c.Id, c.PeriodStart, c.PeriodEnd, c.Frequency.ToString().ToLowerInvariant(),
        c.Status.ToString().ToLowerInvariant(), c.ClosedAt);
}

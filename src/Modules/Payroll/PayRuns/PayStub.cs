using ContractTherapy.Shared.Persistence;
using Marten.Events.Projections;

namespace ContractTherapy.Payroll.PayRuns;

/// <summary>A contractor's pay stub for one cycle. Totals are sums of the lines.</summary>
public sealed record PayStub(
    Guid Id,
    Guid PayRunId,
    Guid CycleId,
    Guid ContractorId,
    string ContractorName,
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    DateOnly IssuedOn,
    IReadOnlyList<PayStubLine> Lines)
{
    public decimal VisitsTotal => Lines.Sum(l => l.Amount);
    public decimal Mileage => Lines.Sum(l => l.MileageAmount);
    public decimal Total => VisitsTotal + Mileage;

    public static Guid PayRunIdFor(Guid cycleId) => StreamIds.For("pay-run", cycleId);
}

public sealed partial class PayStubProjection : MultiStreamProjection<PayStub, Guid>
{
    public PayStubProjection() => Identity<PayStubIssued>(e => e.PayStubId);

    public static PayStub Create(PayStubIssued e) => new(e.PayStubId, e.PayRunId, e.CycleId, e.ContractorId, e.ContractorName,
        e.PeriodStart, e.PeriodEnd, e.IssuedOn, e.Lines);
}

/// <summary>The pay run stream's state: one per closed cycle.</summary>
public sealed record PayRun(Guid Id, Guid CycleId, IReadOnlyList<Guid> PayStubIds)
{
    public static PayRun Create(PayStubIssued e) => new(e.PayRunId, e.CycleId, [e.PayStubId]);

    public PayRun Apply(PayStubIssued e) => this with { PayStubIds = [.. PayStubIds, e.PayStubId] };
}

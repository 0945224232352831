using ContractTherapy.Payroll.PayRuns;
using Marten.Events.Projections;

namespace ContractTherapy.Payments.Payables;

/// <summary>A pay stub as Payments needs it: who, which cycle, how much (from Payroll's PayStubIssued).</summary>
public sealed record PayableStub(Guid Id, Guid ContractorId, Guid CycleId, decimal Total, DateOnly IssuedOn);

public sealed partial class PayableStubProjection : MultiStreamProjection<PayableStub, Guid>
{
    public PayableStubProjection() => Identity<PayStubIssued>(e => e.PayStubId);

    public static PayableStub Create(PayStubIssued e) =>
        new(e.PayStubId, e.ContractorId, e.CycleId, e.Lines.Sum(l => l.Amount + l.MileageAmount), e.IssuedOn);
}

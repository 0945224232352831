using System.Text.Json.Serialization;
using ContractTherapy.Shared.Persistence;
using JasperFx.Events;
using Marten.Events.Projections;

namespace ContractTherapy.Payroll.PayRuns;

/// <summary>
/// A contractor's pay stub for one cycle. Totals are sums of the lines.
/// <para>
/// The stored document has no lines (<see cref="Lines"/> is not serialized): they are in the pay run's
/// <see cref="PayStubIssued"/> (the pay run stream's event <see cref="IssuedVersion"/>), never change, and were the
/// stub's second copy (20 MB for the 400 stubs of a 50,000-visit close). A document read from the store gets them with
/// <see cref="PayStubLines.WithLinesAsync(Marten.IQuerySession, IReadOnlyList{PayStub}, CancellationToken)"/>.
/// </para>
/// </summary>
public sealed record PayStub(
    Guid Id,
    Guid PayRunId,
    Guid CycleId,
    Guid ContractorId,
    string ContractorName,
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    DateOnly IssuedOn,
    decimal VisitsTotal,
    decimal Mileage)
{
    public decimal Total => VisitsTotal + Mileage;

    /// <summary>The lines, when they were read (see the type's remarks); empty in a document as loaded from the store.</summary>
    [JsonIgnore]
    public IReadOnlyList<PayStubLine> Lines { get; init; } = [];

    /// <summary>How many lines the stub has (stored, so that a document without its lines is recognisable).</summary>
    public int LineCount { get; init; }

    /// <summary>The version of the <see cref="PayStubIssued"/> in the pay run stream; 0 in documents stored before 2026-12-06.</summary>
    public long IssuedVersion { get; init; }

    public static Guid PayRunIdFor(Guid cycleId) => StreamIds.For("pay-run", cycleId);

    public static PayStub From(IEvent<PayStubIssued> issued)
    {
        var e = issued.Data;
        return new(e.PayStubId, e.PayRunId, e.CycleId, e.ContractorId, e.ContractorName, e.PeriodStart, e.PeriodEnd, e.IssuedOn,
            e.Lines.Sum(l => l.Amount), e.Lines.Sum(l => l.MileageAmount))
        { Lines = e.Lines, LineCount = e.Lines.Count, IssuedVersion = issued.Version };
    }
}

public sealed partial class PayStubProjection : MultiStreamProjection<PayStub, Guid>
{
    public PayStubProjection() => Identity<PayStubIssued>(e => e.PayStubId);

    public static PayStub Create(IEvent<PayStubIssued> e) => PayStub.From(e);
}

/// <summary>The pay run stream's state: one per closed cycle.</summary>
public sealed record PayRun(Guid Id, Guid CycleId, IReadOnlyList<Guid> PayStubIds)
{
    public static PayRun Create(PayStubIssued e) => new(e.PayRunId, e.CycleId, [e.PayStubId]);

    public PayRun Apply(PayStubIssued e) => this with { PayStubIds = [.. PayStubIds, e.PayStubId] };
}

using System.Text.Json.Serialization;
using ContractTherapy.Shared.Domain;

namespace ContractTherapy.Payroll.PayRuns;

/// <summary>
/// One pay stub line: a visit at its pay rate, or an adjustment (<see cref="IsReversal"/> true: it credits an earlier
/// line; written only then, so that a line of a stub issued before 2026-12-07, which has none, serializes as it was
/// stored: the audit chain hashes it so). The patient appears only as sealed initials.
/// </summary>
public sealed record PayStubLine(
    Guid VisitId,
    string Kind,
    DateOnly VisitDate,
    Guid AgencyId,
    string AgencyName,
    string SealedPatientInitials,
    Discipline Discipline,
    VisitType VisitType,
    decimal PayRate,
    decimal Amount,
    decimal Miles,
    decimal MileageRate,
    decimal MileageAmount,
    string? Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? IsReversal = null);

/// <summary>A pay stub was issued for a contractor by a cycle close (on the cycle's pay run stream).</summary>
public sealed record PayStubIssued(
    Guid PayStubId,
    Guid PayRunId,
    Guid CycleId,
    Guid ContractorId,
    string ContractorName,
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    DateOnly IssuedOn,
    IReadOnlyList<PayStubLine> Lines);

/// <summary>The message a cycle close sends Payroll (through the durable outbox, in the close's transaction).</summary>
public sealed record PayStubsDue(Guid CycleId, DateOnly PeriodStart, DateOnly PeriodEnd, DateOnly IssuedOn, IReadOnlyList<PayStubDue> Stubs);

public sealed record PayStubDue(Guid PayStubId, Guid ContractorId, string ContractorName, IReadOnlyList<PayStubLine> Lines);

using ContractTherapy.Shared.Domain;
using ContractTherapy.Shared.Tenancy;
using ContractTherapy.Visits.Visits;

namespace ContractTherapy.Invoicing.Cycles;

/// <summary>A billing cycle opened; the next invoice number continues the tenant's gapless sequence.</summary>
public sealed record CycleOpened(Guid CycleId, DateOnly PeriodStart, DateOnly PeriodEnd, CycleFrequency Frequency, long NextInvoiceNumber);

public enum LineKind { Visit, Late, Adjustment }

/// <summary>
/// One line the close produced, with everything the invoice and the pay stub show, as resolved
/// at the close: the rates and the rate sets they came from, names, the sealed patient. An
/// adjustment either reverses an earlier line of an already invoiced visit (<see cref="IsReversal"/>,
/// negative amounts) or re-bills the visit as corrected.
/// </summary>
public sealed record ClosedLine(
    Guid VisitId,
    LineKind Kind,
    bool IsReversal,
    Guid AgencyId,
    string AgencyName,
    Guid ContractorId,
    string ContractorName,
    DateOnly VisitDate,
    Discipline Discipline,
    VisitType VisitType,
    SealedPatient Patient,
    decimal BillRate,
    decimal BillAmount,
    Guid? BillRateSetId,
    decimal PayRate,
    decimal PayAmount,
    Guid? PayRateSetId,
    bool PayRateIsAgencyOverride,
    decimal Miles,
    decimal MileageRate,
    decimal MileageAmount,
    string? Reason);

public sealed record IssuedInvoiceRef(Guid InvoiceId, string Number, Guid AgencyId);

public sealed record IssuedPayStubRef(Guid PayStubId, Guid ContractorId);

/// <summary>
/// The cycle closed: every visit it took with the rates it resolved (so documents rebuilt years
/// later are the same), the adjustments for invoiced visits changed since, the invoices and pay
/// stubs it issued, and the cycle that opens next.
/// </summary>
public sealed record CycleClosed(
    Guid CycleId,
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    DateOnly ClosedOn,
    DateTimeOffset ClosedAt,
    IReadOnlyList<ClosedLine> Lines,
    IReadOnlyList<IssuedInvoiceRef> Invoices,
    IReadOnlyList<IssuedPayStubRef> PayStubs,
    Guid NextCycleId);

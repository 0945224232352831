using ContractTherapy.Shared.Domain;
using ContractTherapy.Shared.Tenancy;
using ContractTherapy.Visits.Visits;

namespace ContractTherapy.Invoicing.Cycles;

/// <summary>A billing cycle opened; the next invoice number continues the tenant's gapless sequence.</summary>
public sealed record CycleOpened(Guid CycleId, DateOnly PeriodStart, DateOnly PeriodEnd, CycleFrequency Frequency, long NextInvoiceNumber);

public enum LineKind { Visit, Late, Adjustment }

/// <summary>
/// One line the close produced, with everything the invoice and the pay stub show, as resolved
/// at the close: the rates and the rate sets they came from, names, the sealed patient (stored
/// in parts: <see cref="CycleLine"/> in the close's event, <c>InvoiceLine</c> in the invoice's). An
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

/// <summary>
/// What the close's event keeps of one of its lines: which visit and kind, where it was billed and paid, and the pay
/// side. The bill side and the names (contractor, date, discipline, type, the patient's name and MRN, bill rate, amount
/// and rate set) are on the invoice's line (<c>InvoiceLine</c>, in the same transaction), so a line is whole with its
/// invoice's (<c>BilledLines</c>), and nothing is stored twice. Until 2026-12-07 the close's event carried each line
/// whole (<see cref="ClosedLine"/>), 47 MB of the 50,000-visit close where this is 24 MB (ops/bench/README.md, "The
/// close's event without the invoices' side of its lines"); those events read as this one (the same names, the
/// initials nested in <c>patient</c>).
/// </summary>
public sealed record CycleLine(
    Guid VisitId,
    LineKind Kind,
    bool IsReversal,
    Guid AgencyId,
    Guid ContractorId,
    string? PatientInitials,
    decimal PayRate,
    decimal PayAmount,
    Guid? PayRateSetId,
    bool PayRateIsAgencyOverride,
    decimal Miles,
    decimal MileageRate,
    decimal MileageAmount,
    string? Reason)
{
    public static CycleLine Of(ClosedLine l) => new(l.VisitId, l.Kind, l.IsReversal, l.AgencyId, l.ContractorId, l.Patient.Initials,
        l.PayRate, l.PayAmount, l.PayRateSetId, l.PayRateIsAgencyOverride, l.Miles, l.MileageRate, l.MileageAmount, l.Reason);
}

public sealed record IssuedInvoiceRef(Guid InvoiceId, string Number, Guid AgencyId);

public sealed record IssuedPayStubRef(Guid PayStubId, Guid ContractorId);

/// <summary>
/// The cycle closed: every visit it took with the rates it resolved (so documents rebuilt years
/// later are the same), the adjustments for invoiced visits changed since, the invoices and pay
/// stubs it issued, and the cycle that opens next. Each line's bill side is on its invoice's line
/// (<see cref="CycleLine"/>).
/// </summary>
public sealed record CycleClosed(
    Guid CycleId,
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    DateOnly ClosedOn,
    DateTimeOffset ClosedAt,
    IReadOnlyList<CycleLine> Lines,
    IReadOnlyList<IssuedInvoiceRef> Invoices,
    IReadOnlyList<IssuedPayStubRef> PayStubs,
    Guid NextCycleId);

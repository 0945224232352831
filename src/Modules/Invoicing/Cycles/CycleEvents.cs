using System.Text.Json;
using System.Text.Json.Serialization;
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
/// in parts: <see cref="CycleLine"/> in the close's event, <c>InvoiceLine</c> in the invoice's, <c>PayStubLine</c> in the
/// pay stub's). An
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
/// What the close's event keeps of one of its lines: which visit, kind and direction, where it was billed and paid (the
/// agency and the contractor), and the rates it resolved with the rate sets they came from (domain.md: the close records
/// them, so documents rebuilt years later are the same), and whether the pay rate is the agency's override. What the
/// documents show besides is on the invoice's line (<c>InvoiceLine</c>: names, date, discipline, type, the patient's
/// name and MRN, the amount) and the pay stub's (<c>PayStubLine</c>: the pay amount, mileage, the patient's initials),
/// appended in the same transaction: a line is whole with those two (<c>BilledLines</c>), and nothing is stored three
/// times. Until 2026-12-07 the close's event carried each line whole (<see cref="ClosedLine"/>: 890 bytes a line, 47 MB
/// of the 50,000-visit close; this is about 350 bytes); those events read as this one (the same names; the rest of each
/// line is kept in <see cref="Stored"/> for the audit) and their lines are used as they are (ops/bench/README.md, "The
/// close's event with neither the invoices' nor the pay stubs' side of its lines").
/// </summary>
public sealed record CycleLine(
    Guid VisitId,
    LineKind Kind,
    bool IsReversal,
    Guid AgencyId,
    Guid ContractorId,
    decimal BillRate,
    Guid? BillRateSetId,
    decimal PayRate,
    Guid? PayRateSetId,
    bool PayRateIsAgencyOverride)
{
    public static CycleLine Of(ClosedLine l) => new(l.VisitId, l.Kind, l.IsReversal, l.AgencyId, l.ContractorId, l.BillRate, l.BillRateSetId,
        l.PayRate, l.PayRateSetId, l.PayRateIsAgencyOverride);

    /// <summary>
    /// The rest of a line stored whole (before 2026-12-07), as stored: never written for a new line. The audit chain
    /// hashes and shows such an event in the shape it was stored in (<c>EventShapes</c>).
    /// </summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Stored { get; init; }
}

public sealed record IssuedInvoiceRef(Guid InvoiceId, string Number, Guid AgencyId);

/// <summary>A pay stub the close issued: its <c>PayStubIssued</c> is event <see cref="Version"/> of the close's pay run
/// (<see cref="CycleClosed.PayRunId"/>); both null, and not written, in closes before 2026-12-07 (so that such an event
/// serializes as it was stored: the audit chain hashes it so).</summary>
public sealed record IssuedPayStubRef(Guid PayStubId, Guid ContractorId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Version = null);

/// <summary>
/// The cycle closed: every visit it took with the rates it resolved (so documents rebuilt years
/// later are the same), the adjustments for invoiced visits changed since, the invoices and pay
/// stubs it issued, and the cycle that opens next. Each line's bill side is on its invoice's line
/// and its pay side on its pay stub's (<see cref="CycleLine"/>).
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
    Guid NextCycleId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? PayRunId = null);

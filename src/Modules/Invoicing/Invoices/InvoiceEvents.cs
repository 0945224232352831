using System.Text.Json;
using System.Text.Json.Serialization;
using ContractTherapy.Invoicing.Cycles;
using ContractTherapy.Shared.Domain;

namespace ContractTherapy.Invoicing.Invoices;

/// <summary>
/// What an invoice shows of one of its close's lines, and where its numbers come from: the bill side of the
/// <see cref="ClosedLine"/> (the close's event keeps the whole line: pay, mileage, ids). Until 2026-12-07 an invoice's
/// event carried the whole line, half of it never shown on an invoice: 47 MB of the 50,000-visit close's transaction
/// where this is 24 MB (ops/bench/README.md, "The invoice's lines as the invoice shows them"). Events of that shape read
/// as this one (the same names; the fields it lacks are ignored).
/// </summary>
public sealed record InvoiceLine(
    Guid VisitId,
    LineKind Kind,
    bool IsReversal,
    string ContractorName,
    DateOnly VisitDate,
    Discipline Discipline,
    VisitType VisitType,
    InvoicePatient Patient,
    decimal BillRate,
    decimal BillAmount,
    Guid? BillRateSetId,
    string? Reason)
{
    public static InvoiceLine Of(ClosedLine l) => new(l.VisitId, l.Kind, l.IsReversal, l.ContractorName, l.VisitDate, l.Discipline, l.VisitType,
        new InvoicePatient(l.Patient.Name, l.Patient.Mrn), l.BillRate, l.BillAmount, l.BillRateSetId, l.Reason);

    /// <summary>
    /// The rest of a line stored whole (invoices issued before 2026-12-07), as stored: never written for a new line. The
    /// audit chain hashes and shows such an event in the shape it was stored in (<c>EventShapes</c>).
    /// </summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Stored { get; init; }
}

/// <summary>The patient as the invoice names them: name and MRN, sealed as everywhere (<c>SealedPatient</c>'s two fields of the same names).</summary>
public sealed record InvoicePatient(string Name, string Mrn)
{
    /// <summary>The initials and MRN fingerprint of a line stored whole (before 2026-12-07), as stored; see <see cref="InvoiceLine.Stored"/>.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Stored { get; init; }
}

/// <summary>An invoice was issued by a cycle close: its lines are the close's lines for the agency (<see cref="InvoiceLine"/>), never changed after.</summary>
public sealed record InvoiceIssued(
    Guid InvoiceId,
    string Number,
    Guid AgencyId,
    string AgencyName,
    Guid CycleId,
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    DateOnly IssuedOn,
    DateOnly DueOn,
    IReadOnlyList<InvoiceLine> Lines);

/// <summary>The agency opened the invoice in its portal.</summary>
public sealed record InvoiceViewed(Guid InvoiceId);

/// <summary>Money received from the agency against the invoice (accounts receivable).</summary>
public sealed record InvoicePaymentReceived(Guid InvoiceId, decimal Amount, DateOnly ReceivedOn, string Reference);

/// <summary>
/// The agency's billing address was told that the invoice is ready (number, period, total, due date,
/// portal link; never patient data). <c>MessageId</c> derives from the invoice, so a repeat is recognisable.
/// </summary>
public sealed record InvoiceNoticeSent(Guid InvoiceId, string MessageId, string To);

/// <summary>No notice went out, and why (no SMTP server configured, no billing address on file); nothing retries it by itself.</summary>
public sealed record InvoiceNoticeNotSent(Guid InvoiceId, string Reason);

using System.Text.Json.Serialization;
using ContractTherapy.Invoicing.Cycles;
using ContractTherapy.Shared.Persistence;

namespace ContractTherapy.Invoicing.Invoices;

/// <summary>Whether the agency was sent its notice: to whom and as which message, or why not.</summary>
public sealed record InvoiceNoticeState(bool Sent, string? To, string? MessageId, string? NotSentReason);

/// <summary>
/// The invoice stream's state. Totals are sums of lines; each line was rounded once when the cycle closed.
/// <para>
/// The stored document has no lines (<see cref="Lines"/> is not serialized): they are in the stream's
/// <see cref="InvoiceIssued"/>, never change, and were stored twice, 47 MB for the 40 invoices of a 50,000-visit
/// close, written again whole each time an agency viewed the invoice or a notice or payment was recorded.
/// A document read from the store gets its lines with <see cref="InvoiceLines.WithLinesAsync(Marten.IQuerySession, Invoice, CancellationToken)"/>;
/// one built from the events (as of an instant, or in the session that issued it) has them already.
/// </para>
/// </summary>
public sealed record Invoice(
    Guid Id,
    string Number,
    Guid AgencyId,
    string AgencyName,
    Guid CycleId,
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    DateOnly IssuedOn,
    DateOnly DueOn,
    decimal Total,
    decimal AmountPaid,
    int Views)
{
    public static Guid IdFor(Guid cycleId, Guid agencyId) => StreamIds.For("invoice", $"{cycleId:N}:{agencyId:N}");

    public static Invoice Create(InvoiceIssued e) => new(e.InvoiceId, e.Number, e.AgencyId, e.AgencyName, e.CycleId, e.PeriodStart,
        e.PeriodEnd, e.IssuedOn, e.DueOn, e.Lines.Sum(l => l.BillAmount), 0m, 0) { Lines = e.Lines, LineCount = e.Lines.Count };

    /// <summary>The lines, when they were read (see the type's remarks); empty in a document as loaded from the store.</summary>
    [JsonIgnore]
    public IReadOnlyList<InvoiceLine> Lines { get; init; } = [];

    /// <summary>How many lines the invoice has (stored, so that a document without its lines is recognisable).</summary>
    public int LineCount { get; init; }

    public Invoice Apply(InvoicePaymentReceived e) => this with { AmountPaid = AmountPaid + e.Amount };

    public Invoice Apply(InvoiceViewed _) => this with { Views = Views + 1 };

    /// <summary>The e-mail notice to the agency: null until the notice handler ran.</summary>
    public InvoiceNoticeState? Notice { get; init; }

    public Invoice Apply(InvoiceNoticeSent e) => this with { Notice = new InvoiceNoticeState(true, e.To, e.MessageId, null) };

    public Invoice Apply(InvoiceNoticeNotSent e) => this with { Notice = new InvoiceNoticeState(false, null, null, e.Reason) };

    public decimal Balance => Total - AmountPaid;

    /// <summary>issued, partiallyPaid, paid or overdue (unpaid after its due date, in the tenant's time zone).</summary>
    public string StatusOn(DateOnly today) =>
        Total > 0 && AmountPaid >= Total || Total <= 0 ? "paid"
        : today > DueOn ? "overdue"
        : AmountPaid > 0 ? "partiallyPaid"
        : "issued";
}

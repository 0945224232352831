using ContractTherapy.Invoicing.Cycles;

namespace ContractTherapy.Invoicing.Invoices;

/// <summary>An invoice was issued by a cycle close: its lines are the close's lines for the agency, never changed after.</summary>
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
    IReadOnlyList<ClosedLine> Lines);

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

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

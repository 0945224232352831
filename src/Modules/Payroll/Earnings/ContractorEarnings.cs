using ContractTherapy.Shared.Persistence;

namespace ContractTherapy.Payroll.Earnings;

/// <summary>
/// The message Payments sends Payroll whenever money reaches a contractor or comes back (in the
/// same transaction as the payment's event, through the outbox): a payment contract owned by
/// Payroll, so that Payroll needs nothing of the Payments module.
/// </summary>
public sealed record PaymentToContractor(Guid PaymentId, Guid ContractorId, decimal Amount, DateOnly PaidOn, bool Reversed);

/// <summary>A payment to the contractor as Payroll records it, for year-to-date figures.</summary>
public sealed record ContractorPaymentNoted(Guid PaymentId, Guid ContractorId, decimal Amount, DateOnly PaidOn, bool Reversed);

/// <summary>A contractor's earnings record stream (one per contractor): what was paid them, when.</summary>
public sealed record ContractorEarnings(Guid Id, Guid ContractorId, IReadOnlyList<ContractorPaymentNoted> Payments)
{
    public static Guid IdFor(Guid contractorId) => StreamIds.For("earnings", contractorId);

    public static ContractorEarnings Create(ContractorPaymentNoted e) => new(IdFor(e.ContractorId), e.ContractorId, [e]);

    public ContractorEarnings Apply(ContractorPaymentNoted e) => this with { Payments = [.. Payments.Where(p => p.PaymentId != e.PaymentId), e] };

    /// <summary>Paid in <paramref name="year"/> up to and including <paramref name="through"/>, reversals excluded.</summary>
    public decimal PaidInYear(int year, DateOnly through) =>
        Payments.Where(p => !p.Reversed && p.PaidOn.Year == year && p.PaidOn <= through).Sum(p => p.Amount);
}

public static class NotePaymentHandler
{
    public static async Task Handle(PaymentToContractor message, Marten.IDocumentSession session, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<ContractorEarnings>(ContractorEarnings.IdFor(message.ContractorId), ct);
        if (stream.Aggregate?.Payments.Any(p => p.PaymentId == message.PaymentId && p.Reversed == message.Reversed) == true) return;
        stream.AppendOne(new ContractorPaymentNoted(message.PaymentId, message.ContractorId, message.Amount, message.PaidOn, message.Reversed));
    }
}

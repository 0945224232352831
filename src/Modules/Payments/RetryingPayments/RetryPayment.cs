using ContractTherapy.Payments.Payees;
using ContractTherapy.Payments.Payments;
using ContractTherapy.Payments.SendingPayments;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace ContractTherapy.Payments.RetryingPayments;

/// <summary>
/// Re-attempts a held or failed payment once its reason is fixed (W-9 received, payout account
/// linked, Stripe configured). A payment whose reason still holds stays held and says so (422).
/// </summary>
public static class RetryPaymentEndpoint
{
    [WolverinePost("/api/payments/{id}/retry"), Authorize(Policy = Policies.PaymentsWrite), Tags("Payments")]
    [ProducesResponseType<PaymentView>(StatusCodes.Status202Accepted)]
    public static async Task<IResult> Post(Guid id, IDocumentSession session, IMessageBus bus, StripeTransfers stripe, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Payment>(id, ct);
        var payment = stream.Aggregate;
        if (payment is null) return Problems.NotFound("payment", id);
        if (payment.Status is not (PaymentStatus.Held or PaymentStatus.Failed))
            return Problems.Conflict($"Only a held or failed payment can be retried; this one is {payment.Status.ToString().ToLowerInvariant()}.");

        var payee = await session.LoadAsync<ContractorPayee>(payment.ContractorId, ct);
        var hold = ContractorPayee.HoldReasonFor(payee, stripe.IsConfigured);
        if (hold is not null) return Problems.Refused("payment-payable", hold);

        var retry = new PaymentRetryRequested(id);
        stream.AppendOne(retry);
        await bus.PublishAsync(new SendPayment(id));
        return Results.Json(PaymentView.From(payment.Apply(retry)), statusCode: StatusCodes.Status202Accepted);
    }
}

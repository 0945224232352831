using ContractTherapy.Payments.Payments;
using ContractTherapy.Payments.RecordingManualPayments;
using ContractTherapy.Payments.SendingPayments;
using ContractTherapy.Payroll.Earnings;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace ContractTherapy.Payments.PayingByHand;

public sealed record PayByHand(DateOnly? PaidOn, [property: OneOf(typeof(HandPaymentMethod), CamelCase = true)] string? Method, string? Reference);

/// <summary>
/// A held or failed payment paid outside the product (a check while the W-9 is missing, an ACH after Stripe refused the
/// transfer), recorded on that payment: it is paid, in full, by the method and on the date stated, counts once toward
/// the 1099 year, and can no longer be retried. Recorded as a separate manual payment instead, it left the held one
/// retryable, and a retry once its reason was fixed would have paid the therapist twice.
/// </summary>
public static class PayByHandEndpoint
{
    public static ProblemDetails Validate(PayByHand cmd) =>
        new Validation().HandPayment(cmd.PaidOn, cmd.Method, cmd.Reference, Choices.For<PayByHand>(nameof(PayByHand.Method))).Result();

    [WolverinePost("/api/payments/{id}/paid-by-hand"), Authorize(Policy = Policies.PaymentsWrite), Tags("Payments")]
    [ProducesResponseType<PaymentView>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public static async Task<IResult> Post(Guid id, PayByHand cmd, HttpContext http, IDocumentSession session, IMessageBus bus, TimeProvider clock,
        CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Payment>(id, ct);
        var payment = stream.Aggregate;
        if (payment is null) return Problems.NotFound("payment", id);
        // A requested payment may be on its way through Stripe; a sent one is paid. Either would be paid twice.
        if (payment.Status is not (PaymentStatus.Held or PaymentStatus.Failed))
            return Problems.Conflict($"Only a held or failed payment can be paid by hand; this one is {payment.Status.ToString().ToLowerInvariant()}.");
        // Held after a send reached Stripe with its current key (then its payee was deactivated, say): the transfer may
        // exist. A retry uses the same key and cannot pay twice; a check by hand could.
        if (payment.Status == PaymentStatus.Held && await session.LoadAsync<StripeSendAttempt>(id, ct) is { } attempt
            && attempt.IdempotencyKey == payment.IdempotencyKey)
            return Problems.Conflict("A send of this payment to Stripe was attempted and never confirmed, so the transfer may exist. "
                + "Retry it once its hold is lifted (a retry cannot pay twice), or find the transfer in Stripe first.");
        if (await HandPayments.PaidOnInTheFuture(cmd.PaidOn!.Value, http, session, clock, ct) is { } future) return future;

        var paid = new ManualPaymentRecorded(id, payment.ContractorId, payment.Amount, cmd.PaidOn!.Value, cmd.Method!, cmd.Reference!.Trim());
        stream.AppendOne(paid);
        await bus.PublishAsync(new PaymentToContractor(id, payment.ContractorId, paid.Amount, paid.PaidOn, Reversed: false));
        return Results.Json(PaymentView.From(payment.Apply(paid)));
    }
}

using ContractTherapy.Payments.Payees;
using ContractTherapy.Payments.Payments;
using ContractTherapy.Shared.Tenancy;
using ContractTherapy.Payroll.Earnings;
using Marten;
using Wolverine;

namespace ContractTherapy.Payments.SendingPayments;

/// <summary>
/// Sends one requested payment to Stripe. Runs from the durable outbox after the request was
/// committed, so a crash before, during or after the call ends in a redelivery of this message;
/// the idempotency key derived from the payment makes any repeat of the call the same transfer.
/// Uncertain outcomes throw and are retried with backoff (see PaymentsModule); refusals fail the payment.
/// </summary>
public static class SendPaymentHandler
{
    /// <summary>From this attempt on, an uncertain outcome is recorded on the payment (once) with its reason.</summary>
    public const int AttemptsBeforeDelayIsShown = 2;

    public static async Task Handle(SendPayment message, IDocumentSession session, IDocumentStore store, IMessageBus bus, Envelope envelope,
        StripeTransfers stripe, TimeProvider clock, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Payment>(message.PaymentId, ct);
        var payment = stream.Aggregate;
        if (payment is null || payment.Status != PaymentStatus.Requested) return;

        var payee = await session.LoadAsync<ContractorPayee>(payment.ContractorId, ct);
        var hold = ContractorPayee.HoldReasonFor(payee, stripe.IsConfigured);
        if (hold is not null)
        {
            stream.AppendOne(new PaymentHeld(payment.Id, hold));
            return;
        }

        var tenant = session.TenantId;
        // Committed before Stripe is called: the handler's own session commits only with the message's outcome.
        await using (var attempt = store.LightweightSession(tenant))
        {
            attempt.Store(new StripeSendAttempt(payment.Id, payment.IdempotencyKey));
            await attempt.SaveChangesAsync(ct);
        }
        try
        {
            var transfer = await stripe.TransferAsync(payment.IdempotencyKey, (long)(payment.Amount * 100), payee!.StripeAccountId!,
                $"cycle-{payment.CycleId:N}", new Dictionary<string, string>
                {
                    ["payment_id"] = payment.Id.ToString(),
                    ["tenant"] = tenant,
                    ["pay_stub_id"] = payment.PayStubId?.ToString() ?? "",
                }, ct);
            var settings = await session.SettingsFor(tenant, clock, ct);
            var sent = new PaymentSent(payment.Id, payment.ContractorId, payment.Amount, clock.TodayIn(settings.TimeZone), "stripe", transfer.TransferId);
            stream.AppendOne(sent);
            await bus.PublishAsync(new PaymentToContractor(sent.PaymentId, sent.ContractorId, sent.Amount, sent.PaidOn, Reversed: false));
        }
        catch (TransferRefused refused)
        {
            stream.AppendOne(new PaymentFailed(payment.Id, $"Stripe refused the transfer: {refused.Message}"));
        }
        catch (TransferUncertain uncertain) when (envelope.Attempts >= AttemptsBeforeDelayIsShown && payment.PendingReason is null)
        {
            // Without this a payment whose sends keep failing shows "requested" and nothing else
            // for as long as Stripe is away. The attempt throws into the retry policy, so the
            // reason is committed first, in a session of its own: saving the handler's session
            // (enrolled in Wolverine's inbox) would mark this message handled, and the scheduled
            // retry would never come (the chaos command found that: a payment left requested).
            await using var side = store.LightweightSession(session.TenantId);
            side.LastModifiedBy = session.LastModifiedBy;
            side.CorrelationId = session.CorrelationId;
            side.Events.Append(payment.Id, new PaymentSendDelayed(payment.Id,
                $"Stripe has not confirmed the transfer yet ({uncertain.Message}); it is retried automatically with the same idempotency key, so it is never paid twice."));
            await side.SaveChangesAsync(ct);
            throw;
        }
    }
}

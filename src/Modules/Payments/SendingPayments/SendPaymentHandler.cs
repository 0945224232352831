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
    public static async Task Handle(SendPayment message, IDocumentSession session, IMessageBus bus, StripeTransfers stripe, TimeProvider clock,
        CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Payment>(message.PaymentId, ct);
        var payment = stream.Aggregate;
        if (payment is null || payment.Status != PaymentStatus.Requested) return;

        var payee = await session.LoadAsync<ContractorPayee>(payment.ContractorId, ct);
        var hold = payee is null ? "The contractor is unknown." : payee.HoldReason(stripe.IsConfigured);
        if (hold is not null)
        {
            stream.AppendOne(new PaymentHeld(payment.Id, hold));
            return;
        }

        var tenant = session.TenantId;
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
    }
}

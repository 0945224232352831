using ContractTherapy.Payments.Payables;
using ContractTherapy.Payments.Payees;
using ContractTherapy.Payments.Payments;
using ContractTherapy.Payments.SendingPayments;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Persistence;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace ContractTherapy.Payments.ApprovingPayRuns;

public sealed record PayRunApproval(Guid CycleId, IReadOnlyList<PaymentView> Payments);

/// <summary>
/// Approving a closed cycle's pay run: each pay stub with a positive total becomes one payment
/// (its id derived from the stub, so approving again creates nothing new). Payments that may
/// go to Stripe are recorded with their send message in the same transaction (the outbox);
/// the others are held with the reason.
/// </summary>
public static class ApprovePayRunEndpoint
{
    [WolverinePost("/api/cycles/{id}/pay-run/approve"), Authorize(Policy = Policies.PaymentsWrite), Tags("Payments")]
    [ProducesResponseType<PayRunApproval>(StatusCodes.Status202Accepted)]
    public static async Task<IResult> Post(Guid id, IDocumentSession session, IMessageBus bus, StripeTransfers stripe, CancellationToken ct)
    {
        if (!await session.ExistsAsync(id, Streams.BillingCycle, ct)) return Problems.NotFound("cycle", id);
        if (!await session.HasEventAsync(id, "cycle_closed", ct))
            return Problems.Conflict("The cycle is not closed yet; its pay run can be approved once it is.");

        var stubs = await session.Query<PayableStub>().Where(s => s.CycleId == id && s.Total > 0).OrderBy(s => s.Id).ToListAsync(ct);
        var payees = (await session.LoadManyAsync<ContractorPayee>(ct, stubs.Select(s => s.ContractorId).Distinct().ToArray())).ToDictionary(p => p.Id);
        var existing = (await session.LoadManyAsync<Payment>(ct, stubs.Select(s => Payment.IdFor(s.Id)).ToArray())).ToDictionary(p => p.Id);

        var payments = new List<PaymentView>();
        foreach (var stub in stubs)
        {
            var paymentId = Payment.IdFor(stub.Id);
            if (existing.TryGetValue(paymentId, out var known))
            {
                payments.Add(PaymentView.From(known));
                continue;
            }
            var requested = new PaymentRequested(paymentId, stub.ContractorId, stub.Id, stub.CycleId, stub.Total, "stripe");
            var payment = Payment.Create(requested);
            var hold = ContractorPayee.HoldReasonFor(payees.GetValueOrDefault(stub.ContractorId), stripe.IsConfigured);
            if (hold is null)
            {
                session.Events.StartStream<Payment>(paymentId, requested);
                await bus.PublishAsync(new SendPayment(paymentId));
            }
            else
            {
                var held = new PaymentHeld(paymentId, hold);
                session.Events.StartStream<Payment>(paymentId, requested, held);
                payment = payment.Apply(held);
            }
            payments.Add(PaymentView.From(payment));
        }
        return Results.Json(new PayRunApproval(id, payments), statusCode: StatusCodes.Status202Accepted);
    }
}

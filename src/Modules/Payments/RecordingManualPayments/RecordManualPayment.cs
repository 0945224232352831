using ContractTherapy.Payments.Payments;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Persistence;
using ContractTherapy.Shared.Security;
using ContractTherapy.Shared.Tenancy;
using ContractTherapy.Payroll.Earnings;
using Marten;
using Wolverine;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Payments.RecordingManualPayments;

public sealed record RecordManualPayment(Guid? ContractorId, decimal? Amount, DateOnly? PaidOn,
    [property: OneOf(typeof(HandPaymentMethod), CamelCase = true)] string? Method, string? Reference);

/// <summary>A payment made outside the product, recorded by hand with its method and reference.</summary>
public static class RecordManualPaymentEndpoint
{
    public static ProblemDetails Validate(RecordManualPayment cmd)
    {
        var v = new Validation().Required("contractorId", cmd.ContractorId).Money("amount", cmd.Amount);
        if (cmd.Amount == 0) v.Add("amount", "'amount' must be more than 0.");
        return v.HandPayment(cmd.PaidOn, cmd.Method, cmd.Reference, Choices.For<RecordManualPayment>(nameof(RecordManualPayment.Method))).Result();
    }

    [WolverinePost("/api/payments/manual"), Authorize(Policy = Policies.PaymentsWrite), Tags("Payments")]
    [ProducesResponseType<PaymentView>(StatusCodes.Status201Created)]
    public static async Task<IResult> Post(RecordManualPayment cmd, HttpContext http, IDocumentSession session, IMessageBus bus, TimeProvider clock,
        CancellationToken ct)
    {
        var contractorId = cmd.ContractorId!.Value;
        if (!await session.ExistsAsync(contractorId, Streams.Contractor, ct))
            return Problems.Refused("contractor-known", $"No contractor with id '{contractorId}' exists in this tenant.");
        if (await HandPayments.PaidOnInTheFuture(cmd.PaidOn!.Value, http, session, clock, ct) is { } future) return future;

        var id = Guid.CreateVersion7();
        var recorded = new ManualPaymentRecorded(id, contractorId, cmd.Amount!.Value, cmd.PaidOn!.Value, cmd.Method!, cmd.Reference!.Trim());
        session.Events.StartStream<Payment>(id, recorded);
        await bus.PublishAsync(new PaymentToContractor(id, contractorId, recorded.Amount, recorded.PaidOn, Reversed: false));
        return Results.Created($"/api/payments/{id}", PaymentView.From(Payment.Create(recorded)));
    }
}

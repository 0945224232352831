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
    [property: OneOf("check", "ach", "card", "paypal", "other")] string? Method, string? Reference);

/// <summary>A payment made outside the product, recorded by hand with its method and reference.</summary>
public static class RecordManualPaymentEndpoint
{
    public static ProblemDetails Validate(RecordManualPayment cmd)
    {
        var v = new Validation().Required("contractorId", cmd.ContractorId).Money("amount", cmd.Amount).Text("reference", cmd.Reference, 100);
        if (cmd.Amount == 0) v.Add("amount", "'amount' must be more than 0.");
        if (cmd.PaidOn is null) v.Add("paidOn", "'paidOn' is required (YYYY-MM-DD).");
        v.OneOf("method", cmd.Method, Choices.For<RecordManualPayment>(nameof(RecordManualPayment.Method)));
        return v.Result();
    }

    [WolverinePost("/api/payments/manual"), Authorize(Policy = Policies.PaymentsWrite), Tags("Payments")]
    [ProducesResponseType<PaymentView>(StatusCodes.Status201Created)]
    public static async Task<IResult> Post(RecordManualPayment cmd, HttpContext http, IDocumentSession session, IMessageBus bus, TimeProvider clock,
        CancellationToken ct)
    {
        var contractorId = cmd.ContractorId!.Value;
        if (!await session.ExistsAsync(contractorId, Streams.Contractor, ct))
            return Problems.Refused("contractor-known", $"No contractor with id '{contractorId}' exists in this tenant.");
        var today = clock.TodayIn((await session.SettingsFor(Caller.From(http.User).TenantId, clock, ct)).TimeZone);
        if (cmd.PaidOn > today) return Problems.Invalid("paidOn", "'paidOn' may not be in the future.");

        var id = Guid.CreateVersion7();
        var recorded = new ManualPaymentRecorded(id, contractorId, cmd.Amount!.Value, cmd.PaidOn!.Value, cmd.Method!, cmd.Reference!.Trim());
        session.Events.StartStream<Payment>(id, recorded);
        await bus.PublishAsync(new PaymentToContractor(id, contractorId, recorded.Amount, recorded.PaidOn, Reversed: false));
        return Results.Created($"/api/payments/{id}", PaymentView.From(Payment.Create(recorded)));
    }
}

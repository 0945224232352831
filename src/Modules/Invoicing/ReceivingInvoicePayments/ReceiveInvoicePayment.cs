using ContractTherapy.Invoicing.Invoices;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using ContractTherapy.Shared.Tenancy;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Invoicing.ReceivingInvoicePayments;

public sealed record ReceiveInvoicePayment(decimal? Amount, DateOnly? ReceivedOn, string? Reference);

/// <summary>Accounts receivable: money the agency paid against an invoice. More than the balance is refused (422).</summary>
public static class ReceiveInvoicePaymentEndpoint
{
    public static ProblemDetails Validate(ReceiveInvoicePayment cmd)
    {
        var v = new Validation().Money("amount", cmd.Amount).Text("reference", cmd.Reference, 100);
        if (cmd.Amount == 0) v.Add("amount", "'amount' must be more than 0.");
        if (cmd.ReceivedOn is null) v.Add("receivedOn", "'receivedOn' is required (YYYY-MM-DD).");
        return v.Result();
    }

    [WolverinePost("/api/invoices/{id}/payments"), Authorize(Policy = Policies.CyclesWrite), Tags("Invoices")]
    [ProducesResponseType<InvoiceView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Post(Guid id, ReceiveInvoicePayment cmd, HttpContext http, IDocumentSession session, FieldCipher cipher,
        TimeProvider clock, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        var stream = await session.Events.FetchForWriting<Invoice>(id, ct);
        var invoice = stream.Aggregate;
        if (invoice is null) return Problems.NotFound("invoice", id);
        var today = clock.TodayIn((await session.SettingsFor(caller.TenantId, clock, ct)).TimeZone);
        if (cmd.ReceivedOn > today) return Problems.Invalid("receivedOn", "'receivedOn' may not be in the future.");
        if (cmd.Amount > invoice.Balance)
            return Problems.Refused("payment-within-balance", $"The payment ({cmd.Amount:0.00}) is more than the invoice's balance ({invoice.Balance:0.00}).");

        var received = new InvoicePaymentReceived(id, cmd.Amount!.Value, cmd.ReceivedOn!.Value, cmd.Reference!.Trim());
        stream.AppendOne(received);
        return Results.Ok((await session.WithLinesAsync(invoice.Apply(received), ct)).View(caller, cipher, today));
    }
}

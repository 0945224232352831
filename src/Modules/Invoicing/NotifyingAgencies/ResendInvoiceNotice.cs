using ContractTherapy.Invoicing.Invoices;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace ContractTherapy.Invoicing.NotifyingAgencies;

/// <summary>
/// <c>POST /api/invoices/{id}/notice</c>: send a notice that was recorded as not sent (no SMTP server
/// then, no billing address), once the reason is fixed. A notice already sent is a 409: the agency has it.
/// </summary>
public static class ResendInvoiceNoticeEndpoint
{
    [WolverinePost("/api/invoices/{id}/notice"), Authorize(Policy = Policies.CyclesWrite), Tags("Invoices")]
    [ProducesResponseType(StatusCodes.Status202Accepted)]
    public static async Task<IResult> Post(Guid id, IDocumentSession session, IMessageBus bus, CancellationToken ct)
    {
        var invoice = await session.LoadAsync<Invoice>(id, ct);
        if (invoice is null) return Problems.NotFound("invoice", id);
        if (invoice.Notice is { Sent: true } sent) return Problems.Conflict($"The notice was already sent to {sent.To} ({sent.MessageId}).");
        await bus.PublishAsync(new SendInvoiceNotice(id));
        return Results.Accepted(value: new { invoiceId = id, notice = "queued" });
    }
}

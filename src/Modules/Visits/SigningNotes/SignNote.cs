using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Persistence;
using ContractTherapy.Shared.Security;
using ContractTherapy.Visits.Visits;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Visits.SigningNotes;

/// <summary>
/// Signing the visit note makes the visit billable (when the tenant requires signed notes). Signing twice changes nothing.
/// It takes the tenant's billing lock as corrections and voids do: its event rewrites the visit's billable document, and
/// signed during a close that bills the visit (an unsigned visit bills when the tenant does not require signed notes) it
/// would write back the document the close deletes, and the next close would bill the visit again.
/// </summary>
public static class SignNoteEndpoint
{
    [WolverinePost("/api/visits/{id}/sign-note"), Authorize(Policy = Policies.VisitsWrite), Tags("Visits")]
    [ProducesResponseType<VisitView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Post(Guid id, HttpContext http, IDocumentSession session, FieldCipher cipher, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        await session.SerializeBillingChangesAsync(caller.TenantId, ct);
        var stream = await session.Events.FetchForWriting<Visit>(id, ct);
        var visit = stream.Aggregate;
        if (visit is null || !caller.MayReach(visit)) return Problems.NotFound("visit", id);
        if (visit.Status == VisitStatus.Voided) return Problems.Conflict("The visit is voided; its note cannot be signed.");
        if (visit.NoteSigned) return Results.Ok(visit.View(caller, cipher));

        stream.AppendOne(new VisitNoteSigned(id));
        return Results.Ok((visit with { NoteSigned = true, Version = visit.Version + 1 }).View(caller, cipher));
    }
}

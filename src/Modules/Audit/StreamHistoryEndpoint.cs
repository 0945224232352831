using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Audit;

/// <summary><c>GET /api/audit/streams/{id}</c>: every event of a stream (a visit, contractor, agency, rate set, cycle, invoice, payment...).</summary>
public static class StreamHistoryEndpoint
{
    [WolverineGet("/api/audit/streams/{id}"), Authorize(Policy = Policies.AuditRead), Tags("Audit")]
    [ProducesResponseType<IReadOnlyList<AuditEvent>>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, HttpContext http, IDocumentSession session, AuditEventRenderer renderer, TimeProvider clock,
        CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        var events = await session.Events.FetchStreamAsync(id, token: ct);
        if (events.Count == 0) return Problems.NotFound("stream", id);

        var opened = new HashSet<Guid>();
        var open = AuditEventRenderer.MayOpenPatientData(caller);
        var rendered = events.Select(e => renderer.Render(e, caller, open, opened)).ToList();
        renderer.RecordReads(session, caller, clock.GetUtcNow(), "GET /api/audit/streams/{id}", opened);
        return Results.Ok(rendered);
    }
}

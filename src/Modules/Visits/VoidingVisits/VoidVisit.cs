using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Persistence;
using ContractTherapy.Shared.Security;
using ContractTherapy.Visits.Visits;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Visits.VoidingVisits;

public sealed record VoidVisit(string? Reason, long? ExpectedVersion);

/// <summary>
/// Voiding a visit, always with a reason. Before it is invoiced the visit simply drops out;
/// after, the void is a fact the next cycle close turns into adjustment lines.
/// </summary>
public static class VoidVisitEndpoint
{
    public static ProblemDetails Validate(VoidVisit cmd) => new Validation().Text("reason", cmd.Reason, 500).Result();

    [WolverinePost("/api/visits/{id}/void"), Authorize(Policy = Policies.VisitsWrite), Tags("Visits")]
    [ProducesResponseType<VisitView>(StatusCodes.Status200OK)]
    // Already voided, or a stale expectedVersion (409).
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public static async Task<IResult> Post(Guid id, VoidVisit cmd, HttpContext http, IDocumentSession session, FieldCipher cipher, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        await session.SerializeBillingChangesAsync(caller.TenantId, ct);
        var stream = await session.Events.FetchForWriting<Visit>(id, ct);
        var visit = stream.Aggregate;
        if (visit is null || !caller.MayReach(visit)) return Problems.NotFound("visit", id);
        if (cmd.ExpectedVersion is { } expected && expected != visit.Version) return VisitConcurrency.Stale(visit.Version);
        if (visit.Status == VisitStatus.Voided) return Problems.Conflict("The visit is already voided.");

        var reason = cmd.Reason!.Trim();
        session.Because(reason);
        // The visit lets its duplicate key go with it (Visit.HoldsKey), so the same visit can be logged again correctly,
        // unless a live visit with the same key remains: that one takes it over.
        stream.AppendOne(new VisitVoided(id, reason));
        // The successor's stream is written too, and a change of it meanwhile (its invoicing, sent by a cycle close) fails
        // this commit: the void is then decided again on what is committed, not answered "another change was saved".
        if (await KeySuccession.PassOn(session, visit, ct)
            && await Redecision.SaveOrDecideAgain(session, http, again => Post(id, cmd, http, again, cipher, ct), ct) is { } decidedAgain)
            return decidedAgain;
        return Results.Ok((visit with { Status = VisitStatus.Voided, Version = visit.Version + 1 }).View(caller, cipher));
    }
}

public static class VisitConcurrency
{
    public static IResult Stale(long current) => Problems.Conflict(
        $"The visit changed since you read it (it is now at version {current}). Reload it and apply your change again.",
        new Dictionary<string, object?> { ["currentVersion"] = current });
}

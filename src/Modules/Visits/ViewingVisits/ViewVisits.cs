using ContractTherapy.Shared.Audit;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using ContractTherapy.Visits.Visits;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Visits.ViewingVisits;

/// <summary>
/// Reading visits. Patient data is opened only for roles that may see it, and every such read
/// is recorded in the PHI access log in the same transaction as nothing else: a read that
/// cannot be logged does not happen.
/// </summary>
public static class ViewVisitsEndpoints
{
    [WolverineGet("/api/visits/{id}"), Authorize(Policy = Policies.VisitsRead), Tags("Visits")]
    [ProducesResponseType<VisitView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, string? asOf, HttpContext http, IDocumentSession session, FieldCipher cipher, TimeProvider clock,
        CancellationToken ct)
    {
        if (!Dates.TryReadInstant("asOf", asOf, out var at, out var problem)) return problem!;
        var caller = Caller.From(http.User);
        // asOf: the visit as it stood at that moment, rebuilt from its events (404 before it was logged).
        var visit = at is { } moment
            ? await session.Events.AggregateStreamAsync<Visit>(id, timestamp: moment, token: ct)
            : await session.LoadAsync<Visit>(id, ct);
        if (visit is null || !caller.MayReach(visit)) return Problems.NotFound("visit", id);

        if (caller.MaySeePatient(visit)) session.RecordPhiRead(caller, clock.GetUtcNow(), "GET /api/visits/{id}", "visit", [visit.Id]);
        return Results.Ok(visit.View(caller, cipher));
    }

    [WolverineGet("/api/visits"), Authorize(Policy = Policies.VisitsRead), Tags("Visits")]
    [ProducesResponseType<PagedResult<VisitView>>(StatusCodes.Status200OK)]
    public static async Task<IResult> List(Guid? agencyId, Guid? contractorId, string? from, string? to,
        [OneOf(typeof(VisitStatus), CamelCase = true)] string? status, int? page, int? pageSize,
        HttpContext http, IDocumentSession session, FieldCipher cipher, TimeProvider clock, CancellationToken ct)
    {
        var v = new Validation();
        var (p, size) = Paging.Read(page, pageSize, v);
        DateOnly fromDate = default, toDate = default;
        if (from is not null && !Dates.TryParse(from, out fromDate)) v.Add("from", "'from' must be a date (YYYY-MM-DD).");
        if (to is not null && !Dates.TryParse(to, out toDate)) v.Add("to", "'to' must be a date (YYYY-MM-DD).");
        VisitStatus? wanted = v.Read("status", status, Choice.Of<VisitStatus>(camelCase: true)) is { } name
            ? Enum.Parse<VisitStatus>(name, ignoreCase: true) : null;
        if (!v.IsValid) return Results.Problem(v.ToProblem());

        var caller = Caller.From(http.User);
        var query = session.Query<Visit>().AsQueryable();
        if (caller.Role == Roles.Contractor)
        {
            var own = caller.ContractorId!.Value;
            query = query.Where(x => x.ContractorId == own);
        }
        if (contractorId is { } c) query = query.Where(x => x.ContractorId == c);
        if (agencyId is { } a) query = query.Where(x => x.AgencyId == a);
        if (from is not null) query = query.Where(x => x.VisitDate >= fromDate);
        if (to is not null) query = query.Where(x => x.VisitDate <= toDate);
        if (wanted is { } w) query = query.Where(x => x.Status == w);

        var result = await query.OrderByDescending(x => x.VisitDate).ThenBy(x => x.Id)
            .ToPageAsync(p, size, x => x, ct);
        var seen = result.Items.Where(caller.MaySeePatient).Select(x => x.Id).ToList();
        session.RecordPhiRead(caller, clock.GetUtcNow(), "GET /api/visits", "visit", seen);
        return Results.Ok(new PagedResult<VisitView>(result.Items.Select(x => x.View(caller, cipher)).ToList(), result.Total, p, size));
    }
}

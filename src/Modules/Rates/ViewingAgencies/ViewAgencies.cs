using ContractTherapy.Rates.Agencies;
using ContractTherapy.Rates.Placements;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Rates.ViewingAgencies;

public static class ViewAgenciesEndpoints
{
    /// <summary>Staff see every agency; an agency's portal user sees only itself; a contractor the agencies it is placed with.</summary>
    [WolverineGet("/api/agencies"), Authorize(Policy = Policies.AgenciesRead), Tags("Agencies")]
    [ProducesResponseType<PagedResult<AgencyView>>(StatusCodes.Status200OK)]
    public static async Task<IResult> List(int? page, int? pageSize, HttpContext http, IQuerySession session, CancellationToken ct)
    {
        var v = new Validation();
        var (p, size) = Paging.Read(page, pageSize, v);
        if (!v.IsValid) return Results.Problem(v.ToProblem());

        var caller = Caller.From(http.User);
        var query = session.Query<Agency>().AsQueryable();
        if (caller.Role == Roles.Agency)
        {
            var own = caller.AgencyId ?? Guid.Empty;
            query = query.Where(a => a.Id == own);
        }
        else if (caller.Role == Roles.Contractor)
        {
            var placed = await PlacedWith(caller, session, ct);
            query = query.Where(a => placed.Contains(a.Id));
        }
        return Results.Ok(await query.OrderBy(a => a.Name).ToPageAsync(p, size, AgencyView.From, ct));
    }

    [WolverineGet("/api/agencies/{id}"), Authorize(Policy = Policies.AgenciesRead), Tags("Agencies")]
    [ProducesResponseType<AgencyView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, string? asOf, HttpContext http, IQuerySession session, CancellationToken ct)
    {
        if (!Dates.TryReadInstant("asOf", asOf, out var at, out var problem)) return problem!;
        var caller = Caller.From(http.User);
        if (caller.Role == Roles.Agency && !caller.IsAgency(id)) return Problems.NotFound("agency", id);
        if (caller.Role == Roles.Contractor && !(await PlacedWith(caller, session, ct)).Contains(id)) return Problems.NotFound("agency", id);
        var agency = at is { } moment
            ? await session.Events.AggregateStreamAsync<Agency>(id, timestamp: moment, token: ct)
            : await session.LoadAsync<Agency>(id, ct);
        return agency is null ? Problems.NotFound("agency", id) : Results.Ok(AgencyView.From(agency));
    }

    private static async Task<Guid[]> PlacedWith(Caller caller, IQuerySession session, CancellationToken ct) =>
        caller.ContractorId is { } contractor && await session.LoadAsync<ContractorPlacements>(contractor, ct) is { } placements
            ? placements.AgencyIds.ToArray()
            : [];
}

using ContractTherapy.Contractors.Contractors;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Contractors.ViewingContractors;

public static class ViewContractorsEndpoints
{
    /// <summary>Staff see every contractor; a contractor sees only itself.</summary>
    [WolverineGet("/api/contractors"), Authorize(Policy = Policies.ContractorsRead), Tags("Contractors")]
    [ProducesResponseType<PagedResult<ContractorView>>(StatusCodes.Status200OK)]
    public static async Task<IResult> List(int? page, int? pageSize, [OneOf("active", "inactive")] string? status, HttpContext http, IQuerySession session, CancellationToken ct)
    {
        var v = new Validation();
        var (p, size) = Paging.Read(page, pageSize, v);
        status = v.Read("status", status, new Choice(["active", "inactive"]));
        if (!v.IsValid) return Results.Problem(v.ToProblem());

        var caller = Caller.From(http.User);
        var query = session.Query<Contractor>().AsQueryable();
        if (caller.Role == Roles.Contractor)
        {
            var own = caller.ContractorId ?? Guid.Empty;
            query = query.Where(c => c.Id == own);
        }
        if (status is not null)
        {
            var active = status == "active";
            query = query.Where(c => c.Active == active);
        }
        return Results.Ok(await query.OrderBy(c => c.LegalName).ToPageAsync(p, size, ContractorView.From, ct));
    }

    [WolverineGet("/api/contractors/{id}"), Authorize(Policy = Policies.ContractorsRead), Tags("Contractors")]
    [ProducesResponseType<ContractorView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, string? asOf, HttpContext http, IQuerySession session, CancellationToken ct)
    {
        if (!Dates.TryReadInstant("asOf", asOf, out var at, out var problem)) return problem!;
        var caller = Caller.From(http.User);
        if (caller.Role == Roles.Contractor && !caller.IsContractor(id)) return Problems.NotFound("contractor", id);
        var contractor = at is { } moment
            ? await session.Events.AggregateStreamAsync<Contractor>(id, timestamp: moment, token: ct)
            : await session.LoadAsync<Contractor>(id, ct);
        return contractor is null ? Problems.NotFound("contractor", id) : Results.Ok(ContractorView.From(contractor));
    }
}

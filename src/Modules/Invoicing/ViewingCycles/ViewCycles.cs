using ContractTherapy.Invoicing.Cycles;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Invoicing.ViewingCycles;

public static class ViewCyclesEndpoints
{
    [WolverineGet("/api/cycles"), Authorize(Policy = Policies.CyclesRead), Tags("Cycles")]
    [ProducesResponseType<PagedResult<CycleView>>(StatusCodes.Status200OK)]
    public static async Task<IResult> List(int? page, int? pageSize, HttpContext http, IDocumentSession session, TimeProvider clock, CancellationToken ct)
    {
        var v = new Validation();
        var (p, size) = Paging.Read(page, pageSize, v);
        if (!v.IsValid) return Results.Problem(v.ToProblem());
        // Listing cycles shows the open one too, so a tenant's first look opens its first cycle.
        await session.CurrentCycle(Caller.From(http.User).TenantId, clock, ct);
        await session.SaveChangesAsync(ct);
        return Results.Ok(await session.Query<BillingCycle>().OrderByDescending(c => c.PeriodStart).ToPageAsync(p, size, CycleView.From, ct));
    }

    [WolverineGet("/api/cycles/current"), Authorize(Policy = Policies.CyclesRead), Tags("Cycles")]
    [ProducesResponseType<CycleView>(StatusCodes.Status200OK)]
    public static async Task<CycleView> Current(HttpContext http, IDocumentSession session, TimeProvider clock, CancellationToken ct) =>
        CycleView.From(await session.CurrentCycle(Caller.From(http.User).TenantId, clock, ct));

    [WolverineGet("/api/cycles/{id}"), Authorize(Policy = Policies.CyclesRead), Tags("Cycles")]
    [ProducesResponseType<CycleView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<BillingCycle>(id, ct) is { } cycle ? Results.Ok(CycleView.From(cycle)) : Problems.NotFound("cycle", id);
}

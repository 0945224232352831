using ContractTherapy.Shared.Audit;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Audit;

/// <summary><c>GET /api/audit/access-log</c>: who read which patient data, when and through what (newest first).</summary>
public static class AccessLogEndpoint
{
    [WolverineGet("/api/audit/access-log"), Authorize(Policy = Policies.AuditRead), Tags("Audit")]
    [ProducesResponseType<PagedResult<PhiAccess>>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(string? from, string? to, string? userId, int? page, int? pageSize, IQuerySession session,
        CancellationToken ct)
    {
        var v = new Validation();
        var (p, size) = Paging.Read(page, pageSize, v);
        if (!v.IsValid) return Results.Problem(v.ToProblem());
        if (!Dates.TryReadInstant("from", from, out var fromAt, out var problem) || !Dates.TryReadInstant("to", to, out var toAt, out problem))
            return problem!;

        var query = session.Query<PhiAccess>().AsQueryable();
        if (fromAt is { } f) query = query.Where(a => a.At >= f);
        if (toAt is { } t) query = query.Where(a => a.At <= t);
        if (userId is not null) query = query.Where(a => a.UserId == userId);
        return Results.Ok(await query.OrderByDescending(a => a.At).ToPageAsync(p, size, a => a, ct));
    }
}

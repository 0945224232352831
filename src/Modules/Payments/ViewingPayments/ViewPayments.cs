using ContractTherapy.Payments.Payments;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Payments.ViewingPayments;

/// <summary>Payments for payroll, the accountant and compliance; a contractor sees only their own.</summary>
public static class ViewPaymentsEndpoints
{
    [WolverineGet("/api/payments"), Authorize(Policy = Policies.PaymentsRead), Tags("Payments")]
    [ProducesResponseType<PagedResult<PaymentView>>(StatusCodes.Status200OK)]
    public static async Task<IResult> List(Guid? contractorId, int? year, [OneOf(typeof(PaymentStatus), CamelCase = true)] string? status, int? page, int? pageSize, HttpContext http,
        IQuerySession session, CancellationToken ct)
    {
        var v = new Validation();
        var (p, size) = Paging.Read(page, pageSize, v);
        PaymentStatus? wanted = v.Read("status", status, Choice.Of<PaymentStatus>(camelCase: true)) is { } name
            ? Enum.Parse<PaymentStatus>(name, ignoreCase: true) : null;
        if (year is < 2000 or > 2100) v.Add("year", "'year' must be a calendar year.");
        if (!v.IsValid) return Results.Problem(v.ToProblem());

        var caller = Caller.From(http.User);
        var query = session.Query<Payment>().AsQueryable();
        if (caller.Role == Roles.Contractor)
        {
            var own = caller.ContractorId!.Value;
            query = query.Where(x => x.ContractorId == own);
        }
        if (contractorId is { } c) query = query.Where(x => x.ContractorId == c);
        if (wanted is { } w) query = query.Where(x => x.Status == w);
        if (year is { } y)
        {
            var (from, to) = (new DateOnly(y, 1, 1), new DateOnly(y, 12, 31));
            query = query.Where(x => x.PaidOn >= from && x.PaidOn <= to);
        }
        return Results.Ok(await query.OrderByDescending(x => x.PaidOn).ThenBy(x => x.Id).ToPageAsync(p, size, ViewFor(caller), ct));
    }

    [WolverineGet("/api/payments/{id}"), Authorize(Policy = Policies.PaymentsRead), Tags("Payments")]
    [ProducesResponseType<PaymentView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, HttpContext http, IQuerySession session, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        var payment = await session.LoadAsync<Payment>(id, ct);
        if (payment is null || caller.Role == Roles.Contractor && !caller.IsContractor(payment.ContractorId)) return Problems.NotFound("payment", id);
        return Results.Ok(ViewFor(caller)(payment));
    }

    /// <summary>A contractor reads their payments in their own terms (<see cref="PaymentView.ForContractor"/>); the office reads them whole.</summary>
    private static Func<Payment, PaymentView> ViewFor(Caller caller) => caller.Role == Roles.Contractor ? PaymentView.ForContractor : PaymentView.From;
}

using ContractTherapy.Contractors.Contractors;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Contractors.LinkingPayoutAccounts;

/// <summary>The contractor's Stripe Connect account (<c>acct_...</c>) that payments are transferred to.</summary>
public sealed record LinkPayoutAccount(string? StripeAccountId);

public static class LinkPayoutAccountEndpoint
{
    private static readonly System.Text.RegularExpressions.Regex AccountShape = new("^acct_[A-Za-z0-9]{1,64}$");

    public static ProblemDetails Validate(LinkPayoutAccount cmd) =>
        cmd.StripeAccountId is not null && AccountShape.IsMatch(cmd.StripeAccountId)
            ? Wolverine.Http.WolverineContinue.NoProblems
            : new Validation().Add("stripeAccountId", "'stripeAccountId' must be a Stripe account id such as acct_1A2b3C.").ToProblem();

    [WolverinePost("/api/contractors/{id}/payout-account"), Authorize(Policy = Policies.ContractorsWrite), Tags("Contractors")]
    [ProducesResponseType<ContractorView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Post(Guid id, LinkPayoutAccount cmd, IDocumentSession session, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Contractor>(id, ct);
        if (stream.Aggregate is null) return Problems.NotFound("contractor", id);
        if (stream.Aggregate.StripeAccountId == cmd.StripeAccountId) return Results.Ok(ContractorView.From(stream.Aggregate));

        var linked = new PayoutAccountLinked(id, cmd.StripeAccountId!);
        stream.AppendOne(linked);
        return Results.Ok(ContractorView.From(stream.Aggregate.Apply(linked)));
    }
}

using ContractTherapy.Rates.Agencies;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Rates.RegisteringAgencies;

public sealed record RegisterAgency(string? Name, string? BillingEmail, Address? Address, int? PaymentTermsDays);

public static class RegisterAgencyEndpoint
{
    public static ProblemDetails Validate(RegisterAgency cmd)
    {
        var v = new Validation()
            .Text("name", cmd.Name, 200)
            .Email("billingEmail", cmd.BillingEmail)
            .Address("address", cmd.Address, required: false);
        if (cmd.PaymentTermsDays is < 0 or > 365)
            v.Add("paymentTermsDays", "'paymentTermsDays' must be between 0 and 365.");
        return v.Result();
    }

    [WolverinePost("/api/agencies"), Authorize(Policy = Policies.AgenciesWrite), Tags("Agencies")]
    [ProducesResponseType<AgencyView>(StatusCodes.Status201Created)]
    public static async Task<IResult> Post(RegisterAgency cmd, IDocumentSession session, CancellationToken ct)
    {
        var name = cmd.Name!.Trim();
        var lowered = name.ToLowerInvariant();
        if (await session.Query<Agency>().AnyAsync(a => a.Name.ToLower() == lowered, ct))
            return Problems.Conflict($"An agency named '{name}' is already registered.");

        var id = Guid.CreateVersion7();
        var registered = new AgencyRegistered(id, name, cmd.BillingEmail!.Trim(), cmd.Address,
            cmd.PaymentTermsDays ?? Agency.DefaultPaymentTermsDays);
        session.Events.StartStream<Agency>(id, registered);
        return Results.Created($"/api/agencies/{id}", AgencyView.From(Agency.Create(registered)));
    }
}

using ContractTherapy.Contractors.Contractors;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Persistence;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Contractors.AssigningAgencies;

/// <summary>
/// Placing a contractor with a home health agency (and taking them off it). Assigning twice is
/// a no-op that answers the same; unassigning an agency that is not assigned is a 404.
/// </summary>
public static class AssignAgencyEndpoints
{
    [WolverinePost("/api/contractors/{id}/agencies/{agencyId}"), Authorize(Policy = Policies.ContractorsWrite), Tags("Contractors")]
    [ProducesResponseType<ContractorView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Assign(Guid id, Guid agencyId, IDocumentSession session, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Contractor>(id, ct);
        var contractor = stream.Aggregate;
        if (contractor is null) return Problems.NotFound("contractor", id);
        if (!await session.ExistsAsync(agencyId, Streams.Agency, ct)) return Problems.NotFound("agency", agencyId);
        if (!contractor.Active)
            return Problems.Refused("contractor-active", "A deactivated contractor cannot be assigned to an agency.");
        if (contractor.AgencyIds.Contains(agencyId)) return Results.Ok(ContractorView.From(contractor));

        var assigned = new AgencyAssigned(id, agencyId);
        stream.AppendOne(assigned);
        return Results.Ok(ContractorView.From(contractor.Apply(assigned)));
    }

    [WolverineDelete("/api/contractors/{id}/agencies/{agencyId}"), Authorize(Policy = Policies.ContractorsWrite), Tags("Contractors")]
    [ProducesResponseType<ContractorView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Unassign(Guid id, Guid agencyId, IDocumentSession session, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Contractor>(id, ct);
        var contractor = stream.Aggregate;
        if (contractor is null) return Problems.NotFound("contractor", id);
        if (!contractor.AgencyIds.Contains(agencyId))
            return Problems.NotFound("agency assignment", agencyId);

        var unassigned = new AgencyUnassigned(id, agencyId);
        stream.AppendOne(unassigned);
        return Results.Ok(ContractorView.From(contractor.Apply(unassigned)));
    }
}

using System.Text.Json;
using ContractTherapy.Contractors.Contractors;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Contractors.DeactivatingContractors;

/// <summary>The body is optional: <c>{"reason": "..."}</c>.</summary>
public sealed record DeactivateContractor(string? Reason);

public static class DeactivateContractorEndpoint
{
    [WolverinePost("/api/contractors/{id}/deactivate"), Authorize(Policy = Policies.ContractorsWrite), Tags("Contractors")]
    [ProducesResponseType<ContractorView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Post(Guid id, HttpContext http, IDocumentSession session, CancellationToken ct)
    {
        DeactivateContractor? cmd = null;
        if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            // ReadFromJsonAsync throws InvalidOperationException (a 500) for any other media type.
            if (!http.Request.HasJsonContentType())
                return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported Media Type",
                    detail: "The body, if any, must be application/json such as {\"reason\": \"...\"}.");
            try
            {
                cmd = await http.Request.ReadFromJsonAsync<DeactivateContractor>(ct);
            }
            catch (JsonException)
            {
                return Problems.Invalid("body", "The body must be JSON such as {\"reason\": \"...\"}.");
            }
        }
        if (cmd?.Reason is { Length: > 500 }) return Problems.Invalid("reason", "'reason' must be at most 500 characters.");

        var stream = await session.Events.FetchForWriting<Contractor>(id, ct);
        if (stream.Aggregate is null) return Problems.NotFound("contractor", id);
        if (!stream.Aggregate.Active) return Problems.Conflict("The contractor is already deactivated.");

        var deactivated = new ContractorDeactivated(id, cmd?.Reason);
        if (cmd?.Reason is { } reason) session.Because(reason);
        stream.AppendOne(deactivated);
        return Results.Ok(ContractorView.From(stream.Aggregate.Apply(deactivated)));
    }
}

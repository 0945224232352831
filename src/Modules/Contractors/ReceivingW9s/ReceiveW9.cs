using ContractTherapy.Contractors.Contractors;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Contractors.ReceivingW9s;

public sealed record ReceiveW9(
    [property: OneOf("SSN", "EIN")] string? TinType,
    string? Tin,
    string? LegalName,
    string? BusinessName,
    [property: OneOf(typeof(W9TaxClassification), CamelCase = true)] string? TaxClassification,
    Address? Address,
    DateOnly? CertifiedOn);

/// <summary>The federal tax classifications of Form W-9, line 3a (the API spells them camelCased: <c>soleProprietor</c>, <c>llcC</c>).</summary>
public enum W9TaxClassification { Individual, SoleProprietor, CCorporation, SCorporation, Partnership, TrustEstate, LlcC, LlcS, LlcP, Other }

public static class ReceiveW9Endpoint
{
    public static ProblemDetails Validate(ReceiveW9 cmd, TimeProvider clock)
    {
        var v = new Validation();
        v.OneOf("tinType", cmd.TinType, Choices.For<ReceiveW9>(nameof(ReceiveW9.TinType)));
        if (Tin.Normalize(cmd.Tin) is null) v.Add("tin", "'tin' must be 9 digits (dashes allowed).");
        v.Text("legalName", cmd.LegalName, 200).MaxLength("businessName", cmd.BusinessName, 200);
        v.OneOf("taxClassification", cmd.TaxClassification, Choices.For<ReceiveW9>(nameof(ReceiveW9.TaxClassification)));
        v.Address("address", cmd.Address, required: true);
        if (cmd.CertifiedOn is null) v.Add("certifiedOn", "'certifiedOn' is required (YYYY-MM-DD).");
        else if (cmd.CertifiedOn > DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime.AddDays(1)))
            v.Add("certifiedOn", "'certifiedOn' may not be in the future.");
        return v.Result();
    }

    [WolverinePut("/api/contractors/{id}/w9"), Authorize(Policy = Policies.ContractorsWrite), Tags("Contractors")]
    [ProducesResponseType<ContractorView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Put(Guid id, ReceiveW9 cmd, HttpContext http, IDocumentSession session, FieldCipher cipher, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Contractor>(id, ct);
        if (stream.Aggregate is null) return Problems.NotFound("contractor", id);

        var tin = Tin.Normalize(cmd.Tin)!;
        var received = new W9Received(id, cmd.TinType!, cipher.Encrypt(Caller.From(http.User).TenantId, tin), tin[^4..],
            cmd.LegalName!.Trim(), cmd.BusinessName?.Trim(), cmd.TaxClassification!, cmd.Address!, cmd.CertifiedOn!.Value);
        stream.AppendOne(received);
        return Results.Ok(ContractorView.From(stream.Aggregate.Apply(received)));
    }
}

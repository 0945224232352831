using System.Security.Claims;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ContractTherapy.Host.Auth;

public sealed record DevTokenRequest(string? Tenant,
    [property: OneOf(Roles.Owner, Roles.Billing, Roles.Payroll, Roles.Contractor, Roles.Agency, Roles.Compliance, Roles.Accountant)] string? Role,
    string? Sub, Guid? ContractorId, Guid? AgencyId);

public sealed record DevTokenResponse(string Token);

/// <summary><c>POST /dev/token</c> (api.md "Development tokens"): exists only with Auth:DevTokens=true.</summary>
public static class DevTokenEndpoint
{
    private static readonly System.Text.RegularExpressions.Regex TenantShape = new("^[a-zA-Z0-9_-]{1,64}$");

    public static void MapDevTokens(this WebApplication app)
    {
        if (!AuthSetup.DevTokensEnabled(app.Configuration)) return;
        var key = AuthSetup.DevSigningKey(app.Configuration);
        app.MapPost("/dev/token", (DevTokenRequest request) =>
        {
            var v = new Validation();
            if (request.Tenant is null || !TenantShape.IsMatch(request.Tenant))
                v.Add("tenant", "'tenant' must be 1 to 64 letters, digits, '-' or '_'.");
            v.OneOf("role", request.Role, Choices.For<DevTokenRequest>(nameof(DevTokenRequest.Role)));
            if (request.Role == Roles.Contractor && request.ContractorId is null)
                v.Add("contractorId", "A contractor token needs 'contractorId'.");
            if (request.Role == Roles.Agency && request.AgencyId is null)
                v.Add("agencyId", "An agency token needs 'agencyId'.");
            v.MaxLength("sub", request.Sub, 100);
            if (!v.IsValid) return Results.Problem(v.ToProblem());

            var claims = new List<Claim>
            {
                new(ClaimNames.Subject, request.Sub ?? $"{request.Role}@{request.Tenant}"),
                new(ClaimNames.Tenant, request.Tenant!),
                new(ClaimNames.Role, request.Role!),
            };
            if (request.ContractorId is { } c) claims.Add(new Claim(ClaimNames.ContractorId, c.ToString()));
            if (request.AgencyId is { } a) claims.Add(new Claim(ClaimNames.AgencyId, a.ToString()));

            // Real time, not the injected clock: the JWT handler validates lifetimes against real time.
            var now = DateTime.UtcNow;
            var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = AuthSetup.DevIssuer,
                Audience = AuthSetup.Audience,
                Subject = new ClaimsIdentity(claims),
                NotBefore = now.AddMinutes(-1),
                IssuedAt = now,
                Expires = now.AddHours(12),
                SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
            });
            return Results.Ok(new DevTokenResponse(token));
        }).AllowAnonymous().WithTags("Development").ExcludeFromDescription();
    }
}

using System.Security.Claims;

namespace ContractTherapy.Shared.Security;

/// <summary>Who is calling: read once from the validated token.</summary>
public sealed record Caller(string UserId, string TenantId, string Role, Guid? ContractorId, Guid? AgencyId)
{
    public static Caller From(ClaimsPrincipal user)
    {
        var sub = user.FindFirstValue(ClaimNames.Subject) ?? "anonymous";
        var tenant = user.FindFirstValue(ClaimNames.Tenant) ?? "";
        var role = user.FindFirstValue(ClaimNames.Role) ?? "";
        return new Caller(sub, tenant, role,
            Guid.TryParse(user.FindFirstValue(ClaimNames.ContractorId), out var c) ? c : null,
            Guid.TryParse(user.FindFirstValue(ClaimNames.AgencyId), out var a) ? a : null);
    }

    public bool IsIn(params string[] roles) => roles.Contains(Role, StringComparer.Ordinal);

    public bool IsContractor(Guid contractorId) => Role == Roles.Contractor && ContractorId == contractorId;

    public bool IsAgency(Guid agencyId) => Role == Roles.Agency && AgencyId == agencyId;
}

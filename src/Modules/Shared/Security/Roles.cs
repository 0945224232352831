namespace ContractTherapy.Shared.Security;

/// <summary>The roles of domain.md §4, as they appear in the token's <c>role</c> claim.</summary>
public static class Roles
{
    public const string Owner = "owner";
    public const string Billing = "billing";
    public const string Payroll = "payroll";
    public const string Contractor = "contractor";
    public const string Agency = "agency";
    public const string Compliance = "compliance";
    public const string Accountant = "accountant";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(
        [Owner, Billing, Payroll, Contractor, Agency, Compliance, Accountant], StringComparer.Ordinal);

    /// <summary>Roles that must name the contractor or agency they are scoped to.</summary>
    public static bool IsScoped(string role) => role is Contractor or Agency;
}

/// <summary>Claim names of our tokens (api.md Conventions).</summary>
public static class ClaimNames
{
    public const string Subject = "sub";
    public const string Tenant = "tenant";
    public const string Role = "role";
    public const string ContractorId = "contractorId";
    public const string AgencyId = "agencyId";
}

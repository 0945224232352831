using ContractTherapy.Shared.Domain;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;

namespace ContractTherapy.Contractors.Contractors;

public sealed record W9OnFile(
    string TinType,
    string EncryptedTin,
    string TinLast4,
    string LegalName,
    string? BusinessName,
    string TaxClassification,
    Address Address,
    DateOnly CertifiedOn);

/// <summary>The contractor stream's state, kept inline as a document (the Contractors module's own).</summary>
public sealed record Contractor(
    Guid Id,
    string LegalName,
    string Email,
    string? Phone,
    IReadOnlyList<Discipline> Disciplines,
    bool Active,
    W9OnFile? W9,
    IReadOnlyList<Guid> AgencyIds,
    string? StripeAccountId)
{
    public static Contractor Create(ContractorOnboarded e) =>
        new(e.ContractorId, e.LegalName, e.Email, e.Phone, e.Disciplines, true, null, [], null);

    public Contractor Apply(W9Received e) => this with
    {
        W9 = new W9OnFile(e.TinType, e.EncryptedTin, e.TinLast4, e.LegalName, e.BusinessName, e.TaxClassification, e.Address, e.CertifiedOn),
    };

    public Contractor Apply(AgencyAssigned e) => this with { AgencyIds = [.. AgencyIds, e.AgencyId] };

    public Contractor Apply(AgencyUnassigned e) => this with { AgencyIds = AgencyIds.Where(a => a != e.AgencyId).ToList() };

    public Contractor Apply(PayoutAccountLinked e) => this with { StripeAccountId = e.StripeAccountId };

    public Contractor Apply(ContractorDeactivated _) => this with { Active = false };
}

/// <summary>What the API shows of a W-9: never the full TIN.</summary>
public sealed record W9View(string TinType, string TinMasked, string LegalName, string? BusinessName, string TaxClassification,
    Address Address, DateOnly CertifiedOn);

public sealed record ContractorView(
    Guid Id,
    string LegalName,
    string Email,
    string? Phone,
    IReadOnlyList<Discipline> Disciplines,
    string Status,
    bool W9OnFile,
    W9View? W9,
    IReadOnlyList<Guid> AgencyIds,
    string? StripeAccountId)
{
    public static ContractorView From(Contractor c) => new(
        c.Id, c.LegalName, c.Email, c.Phone, c.Disciplines, c.Active ? "active" : "inactive",
        c.W9 is not null,
        c.W9 is { } w ? new W9View(w.TinType, Tin.Mask(w.TinLast4), w.LegalName, w.BusinessName, w.TaxClassification, w.Address, w.CertifiedOn) : null,
        c.AgencyIds, c.StripeAccountId);
}

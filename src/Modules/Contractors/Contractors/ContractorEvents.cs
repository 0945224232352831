using ContractTherapy.Shared.Domain;
using ContractTherapy.Shared.Http;

namespace ContractTherapy.Contractors.Contractors;

public sealed record ContractorOnboarded(Guid ContractorId, string LegalName, string Email, IReadOnlyList<Discipline> Disciplines, string? Phone);

/// <summary>
/// A W-9 was received. The TIN is only ever stored encrypted (<see cref="EncryptedTin"/>, see
/// FieldCipher); its last four digits are kept for the masked display.
/// </summary>
public sealed record W9Received(
    Guid ContractorId,
    string TinType,
    string EncryptedTin,
    string TinLast4,
    string LegalName,
    string? BusinessName,
    string TaxClassification,
    Address Address,
    DateOnly CertifiedOn);

public sealed record AgencyAssigned(Guid ContractorId, Guid AgencyId);

public sealed record AgencyUnassigned(Guid ContractorId, Guid AgencyId);

public sealed record PayoutAccountLinked(Guid ContractorId, string StripeAccountId);

public sealed record ContractorDeactivated(Guid ContractorId, string? Reason);

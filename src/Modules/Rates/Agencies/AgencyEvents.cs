using ContractTherapy.Shared.Http;

namespace ContractTherapy.Rates.Agencies;

/// <summary>A home health agency became a client of the tenant.</summary>
public sealed record AgencyRegistered(Guid AgencyId, string Name, string BillingEmail, Address? Address, int PaymentTermsDays);

/// <summary>A new bill rate set for the agency, replacing the earlier set from <c>EffectiveFrom</c> on.</summary>
public sealed record BillRatesSet(Guid AgencyId, Guid RateSetId, DateOnly EffectiveFrom, IReadOnlyList<Rate> Rates);

namespace ContractTherapy.Rates.PaySheets;

/// <summary>
/// A new pay rate set for a contractor, replacing the earlier set from <c>EffectiveFrom</c> on.
/// Rates with an <c>AgencyId</c> override the general rate for visits at that agency.
/// </summary>
public sealed record PayRatesSet(Guid ContractorId, Guid RateSetId, DateOnly EffectiveFrom, IReadOnlyList<Rate> Rates, decimal? MileageRate);

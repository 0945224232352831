using ContractTherapy.Shared.Domain;
using ContractTherapy.Shared.Persistence;

namespace ContractTherapy.Rates.PaySheets;

/// <summary>A contractor's pay sheet stream: one per contractor, its id derived from the contractor's.</summary>
public sealed record PaySheet(Guid Id, Guid ContractorId, IReadOnlyList<RateSet> RateSets)
{
    public static Guid IdFor(Guid contractorId) => StreamIds.For("pay-sheet", contractorId);

    public static PaySheet Create(PayRatesSet e) => new(IdFor(e.ContractorId), e.ContractorId, [ToSet(e)]);

    public PaySheet Apply(PayRatesSet e) => this with { RateSets = [.. RateSets, ToSet(e)] };

    private static RateSet ToSet(PayRatesSet e) => new(e.RateSetId, e.EffectiveFrom, e.Rates, e.MileageRate);
}

/// <summary>A pay rate as applied to one visit, and where it came from.</summary>
public sealed record ResolvedPayRate(decimal Amount, Guid RateSetId, bool IsAgencyOverride);

public static class PayRateResolution
{
    /// <summary>
    /// The pay rate for a visit on <paramref name="date"/> at <paramref name="agencyId"/>: the
    /// set in effect that day, its override for the agency before its general rate; null when
    /// the set has neither (domain.md §3: no rate is invented).
    /// </summary>
    public static ResolvedPayRate? Resolve(this PaySheet sheet, DateOnly date, Guid agencyId, Discipline discipline, VisitType visitType)
    {
        var set = sheet.RateSets.InEffectOn(date);
        if (set is null) return null;
        var rate = set.Rates.FirstOrDefault(r => r.AgencyId == agencyId && r.Discipline == discipline && r.VisitType == visitType)
                   ?? set.Rates.FirstOrDefault(r => r.AgencyId is null && r.Discipline == discipline && r.VisitType == visitType);
        return rate is null ? null : new ResolvedPayRate(rate.Amount, set.Id, rate.AgencyId is not null);
    }
}

using ContractTherapy.Shared.Domain;
using ContractTherapy.Shared.Http;

namespace ContractTherapy.Rates;

/// <summary>One contracted amount: a bill rate has no agency; a pay rate may name one (an override).</summary>
public sealed record Rate(Discipline Discipline, VisitType VisitType, decimal Amount, Guid? AgencyId = null);

/// <summary>
/// A rate set (domain.md §3 Rates): the pairs contracted from <see cref="EffectiveFrom"/> on.
/// A later set replaces the whole earlier one from its date; a pair missing from the set in
/// effect has no rate.
/// </summary>
public sealed record RateSet(Guid Id, DateOnly EffectiveFrom, IReadOnlyList<Rate> Rates, decimal? MileageRate = null);

public static class RateSetHistory
{
    /// <summary>
    /// The set in effect on <paramref name="date"/>: the latest <c>EffectiveFrom</c> on or before
    /// it; of two sets with the same date the one recorded later wins (sets are kept in the
    /// order they were recorded).
    /// </summary>
    public static RateSet? InEffectOn(this IReadOnlyList<RateSet> sets, DateOnly date)
    {
        RateSet? found = null;
        foreach (var set in sets)
            if (set.EffectiveFrom <= date && (found is null || set.EffectiveFrom >= found.EffectiveFrom))
                found = set;
        return found;
    }
}

/// <summary>One rate as a request carries it; strings so that bad vocabulary is a field error.</summary>
public sealed record RateInput([property: OneOf(typeof(Discipline))] string? Discipline, [property: OneOf(typeof(VisitType))] string? VisitType,
    decimal? Amount, Guid? AgencyId = null);

public static class RateInputs
{
    public const int MaxRatesPerSet = 1000;

    /// <summary>Validates the shape of a rate set; <paramref name="allowAgency"/> only for pay rates.</summary>
    public static void Check(Validation v, DateOnly? effectiveFrom, IReadOnlyList<RateInput>? rates, bool allowAgency)
    {
        if (effectiveFrom is null) v.Add("effectiveFrom", "'effectiveFrom' is required (YYYY-MM-DD).");
        if (rates is null || rates.Count == 0)
        {
            v.Add("rates", "'rates' must list at least one rate.");
            return;
        }
        if (rates.Count > MaxRatesPerSet) v.Add("rates", $"'rates' may list at most {MaxRatesPerSet} rates.");

        var seen = new HashSet<(string?, string?, Guid?)>();
        for (var i = 0; i < rates.Count; i++)
        {
            var r = rates[i];
            var at = $"rates[{i}]";
            if (r is null)
            {
                v.Add(at, $"'{at}' must be a rate.");
                continue;
            }
            v.Discipline($"{at}.discipline", r.Discipline)
                .VisitType($"{at}.visitType", r.VisitType)
                .Money($"{at}.amount", r.Amount);
            if (!allowAgency && r.AgencyId is not null)
                v.Add($"{at}.agencyId", "Bill rates are set per agency already; 'agencyId' is not allowed here.");
            if (!seen.Add((Choice.Of<Discipline>().Canonical(r.Discipline) ?? r.Discipline, Choice.Of<VisitType>().Canonical(r.VisitType) ?? r.VisitType, r.AgencyId)))
                v.Add(at, $"'{r.Discipline} {r.VisitType}'{(r.AgencyId is null ? "" : $" for agency {r.AgencyId}")} appears more than once in this set.");
        }
    }

    public static IReadOnlyList<Rate> ToRates(IReadOnlyList<RateInput> inputs) => inputs
        .Select(r => new Rate(Enum.Parse<Discipline>(r.Discipline!, ignoreCase: true), Enum.Parse<VisitType>(r.VisitType!, ignoreCase: true), r.Amount!.Value, r.AgencyId))
        .ToList();
}

using ContractTherapy.Rates;
using ContractTherapy.Shared.Domain;

namespace ContractTherapy.Tests.Units;

public class RateSetHistoryTests
{
    private static readonly IReadOnlyList<Rate> SomeRates = [new(Discipline.PT, VisitType.Routine, 70.00m)];

    private static RateSet Set(string effectiveFrom) => new(Guid.NewGuid(), DateOnly.Parse(effectiveFrom), SomeRates);

    private static DateOnly D(string date) => DateOnly.Parse(date);

    [Fact]
    public void no_sets_means_nothing_in_effect()
    {
        new List<RateSet>().InEffectOn(D("2025-06-01")).ShouldBeNull();
    }

    [Fact]
    public void before_the_first_effective_date_nothing_is_in_effect()
    {
        var sets = new List<RateSet> { Set("2025-01-01"), Set("2025-07-01") };

        sets.InEffectOn(D("2024-12-31")).ShouldBeNull();
    }

    [Fact]
    public void a_set_is_in_effect_on_its_effective_date()
    {
        var jan = Set("2025-01-01");
        var jul = Set("2025-07-01");
        var sets = new List<RateSet> { jan, jul };

        sets.InEffectOn(D("2025-01-01")).ShouldBeSameAs(jan);
        sets.InEffectOn(D("2025-07-01")).ShouldBeSameAs(jul);
    }

    [Fact]
    public void after_a_date_the_latest_earlier_set_is_in_effect()
    {
        var jan = Set("2025-01-01");
        var jul = Set("2025-07-01");
        var sets = new List<RateSet> { jan, jul };

        sets.InEffectOn(D("2025-06-30")).ShouldBeSameAs(jan);
        sets.InEffectOn(D("2025-07-02")).ShouldBeSameAs(jul);
        sets.InEffectOn(D("2030-01-01")).ShouldBeSameAs(jul);
    }

    [Fact]
    public void a_later_set_on_the_same_date_wins()
    {
        var first = Set("2025-03-01");
        var correction = Set("2025-03-01");
        var sets = new List<RateSet> { Set("2025-01-01"), first, correction };

        sets.InEffectOn(D("2025-03-01")).ShouldBeSameAs(correction);
        sets.InEffectOn(D("2025-04-15")).ShouldBeSameAs(correction);
    }

    [Fact]
    public void a_set_recorded_late_with_an_earlier_date_is_picked_by_date()
    {
        var jul = Set("2025-07-01");
        var backdatedMar = Set("2025-03-01"); // recorded after July's set
        var sets = new List<RateSet> { Set("2025-01-01"), jul, backdatedMar };

        sets.InEffectOn(D("2025-02-01")).ShouldBe(sets[0]);
        sets.InEffectOn(D("2025-04-01")).ShouldBeSameAs(backdatedMar);
        sets.InEffectOn(D("2025-08-01")).ShouldBeSameAs(jul);
    }

    [Fact]
    public void in_effect_on_agrees_with_a_brute_force_definition()
    {
        var random = new Random(20250601);
        var origin = D("2025-01-01");

        for (var iteration = 0; iteration < 500; iteration++)
        {
            // few distinct dates so that ties and out-of-order recording are common
            var count = random.Next(0, 8);
            var sets = Enumerable.Range(0, count)
                .Select(_ => new RateSet(Guid.NewGuid(), origin.AddDays(random.Next(0, 10) * 7), SomeRates))
                .ToList();
            var date = origin.AddDays(random.Next(-7, 80));

            var expected = BruteForce(sets, date);
            var actual = sets.InEffectOn(date);

            if (expected is null) actual.ShouldBeNull($"iteration {iteration}, date {date}");
            else actual.ShouldBeSameAs(expected, $"iteration {iteration}, date {date}");
        }
    }

    /// <summary>Among sets with EffectiveFrom &lt;= date: the max EffectiveFrom, ties to the greatest index.</summary>
    private static RateSet? BruteForce(IReadOnlyList<RateSet> sets, DateOnly date)
    {
        var eligible = Enumerable.Range(0, sets.Count).Where(i => sets[i].EffectiveFrom <= date).ToList();
        if (eligible.Count == 0) return null;
        var best = eligible.Max(i => sets[i].EffectiveFrom);
        return sets[eligible.Where(i => sets[i].EffectiveFrom == best).Max()];
    }
}

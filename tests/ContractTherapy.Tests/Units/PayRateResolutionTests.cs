using ContractTherapy.Rates;
using ContractTherapy.Rates.PaySheets;
using ContractTherapy.Shared.Domain;

namespace ContractTherapy.Tests.Units;

/// <summary>Worked example: Dana Kim, PT, with an override for agency Sunrise.</summary>
public class PayRateResolutionTests
{
    private static readonly Guid DanaKim = Guid.Parse("d0000000-0000-4000-8000-00000000da1a");
    private static readonly Guid Sunrise = Guid.Parse("5e000000-0000-4000-8000-0000005e1e5e");
    private static readonly Guid Harbor = Guid.Parse("4a000000-0000-4000-8000-0000004a4b04");
    private static readonly Guid JanuarySetId = Guid.Parse("a1000000-0000-4000-8000-000000000001");
    private static readonly Guid JulySetId = Guid.Parse("a7000000-0000-4000-8000-000000000007");

    private static readonly DateOnly January = new(2025, 1, 1);
    private static readonly DateOnly July = new(2025, 7, 1);

    private static PaySheet DanaKimSheet() => PaySheet.Create(new PayRatesSet(DanaKim, JanuarySetId, January,
    [
        new(Discipline.PT, VisitType.Evaluation, 110.00m),
        new(Discipline.PT, VisitType.Routine, 70.00m),
        new(Discipline.PT, VisitType.Discharge, 80.00m),
        new(Discipline.PT, VisitType.Routine, 75.00m, Sunrise),
    ], MileageRate: 0.70m));

    [Fact]
    public void the_agency_override_beats_the_general_rate_for_that_agency()
    {
        var rate = DanaKimSheet().Resolve(new DateOnly(2025, 3, 10), Sunrise, Discipline.PT, VisitType.Routine);

        rate.ShouldNotBeNull();
        rate.Amount.ShouldBe(75.00m);
        rate.IsAgencyOverride.ShouldBeTrue();
        rate.RateSetId.ShouldBe(JanuarySetId);
    }

    [Fact]
    public void another_agency_gets_the_general_rate()
    {
        var rate = DanaKimSheet().Resolve(new DateOnly(2025, 3, 10), Harbor, Discipline.PT, VisitType.Routine);

        rate.ShouldNotBeNull();
        rate.Amount.ShouldBe(70.00m);
        rate.IsAgencyOverride.ShouldBeFalse();
        rate.RateSetId.ShouldBe(JanuarySetId);
    }

    [Fact]
    public void an_agency_with_an_override_for_one_visit_type_gets_general_rates_for_the_others()
    {
        var sheet = DanaKimSheet();

        var evaluation = sheet.Resolve(new DateOnly(2025, 3, 10), Sunrise, Discipline.PT, VisitType.Evaluation);
        var discharge = sheet.Resolve(new DateOnly(2025, 3, 10), Sunrise, Discipline.PT, VisitType.Discharge);

        evaluation.ShouldBe(new ResolvedPayRate(110.00m, JanuarySetId, false));
        discharge.ShouldBe(new ResolvedPayRate(80.00m, JanuarySetId, false));
    }

    [Fact]
    public void a_pair_not_in_the_set_has_no_rate()
    {
        var sheet = DanaKimSheet();

        sheet.Resolve(new DateOnly(2025, 3, 10), Harbor, Discipline.PT, VisitType.Supervisory).ShouldBeNull();
        sheet.Resolve(new DateOnly(2025, 3, 10), Sunrise, Discipline.OT, VisitType.Routine).ShouldBeNull();
    }

    [Fact]
    public void before_the_first_set_there_is_no_rate()
    {
        DanaKimSheet().Resolve(new DateOnly(2024, 12, 31), Sunrise, Discipline.PT, VisitType.Routine).ShouldBeNull();
    }

    [Fact]
    public void a_later_set_replaces_the_whole_earlier_set()
    {
        // From July: Routine goes to 72.00, Discharge and the Sunrise override are dropped.
        var sheet = DanaKimSheet().Apply(new PayRatesSet(DanaKim, JulySetId, July,
        [
            new(Discipline.PT, VisitType.Evaluation, 115.00m),
            new(Discipline.PT, VisitType.Routine, 72.00m),
        ], MileageRate: null));

        sheet.RateSets.Count.ShouldBe(2);
        var day = new DateOnly(2025, 8, 5);
        sheet.Resolve(day, Harbor, Discipline.PT, VisitType.Discharge).ShouldBeNull();
        sheet.Resolve(day, Sunrise, Discipline.PT, VisitType.Routine)
            .ShouldBe(new ResolvedPayRate(72.00m, JulySetId, false));
        sheet.Resolve(day, Harbor, Discipline.PT, VisitType.Evaluation)
            .ShouldBe(new ResolvedPayRate(115.00m, JulySetId, false));

        // the day before July the earlier set still applies in full
        var before = July.AddDays(-1);
        sheet.Resolve(before, Harbor, Discipline.PT, VisitType.Discharge)
            .ShouldBe(new ResolvedPayRate(80.00m, JanuarySetId, false));
        sheet.Resolve(before, Sunrise, Discipline.PT, VisitType.Routine)
            .ShouldBe(new ResolvedPayRate(75.00m, JanuarySetId, true));
    }

    [Fact]
    public void an_override_without_a_general_rate_applies_only_to_its_agency()
    {
        var sheet = PaySheet.Create(new PayRatesSet(DanaKim, JanuarySetId, January,
            [new(Discipline.PT, VisitType.Supervisory, 40.00m, Sunrise)], null));

        sheet.Resolve(January, Sunrise, Discipline.PT, VisitType.Supervisory)
            .ShouldBe(new ResolvedPayRate(40.00m, JanuarySetId, true));
        sheet.Resolve(January, Harbor, Discipline.PT, VisitType.Supervisory).ShouldBeNull();
    }

    [Fact]
    public void a_pay_sheet_is_created_with_its_derived_id_and_first_set()
    {
        var sheet = DanaKimSheet();

        sheet.Id.ShouldBe(PaySheet.IdFor(DanaKim));
        sheet.ContractorId.ShouldBe(DanaKim);
        sheet.RateSets.Count.ShouldBe(1);
        sheet.RateSets[0].Id.ShouldBe(JanuarySetId);
        sheet.RateSets[0].EffectiveFrom.ShouldBe(January);
        sheet.RateSets[0].MileageRate.ShouldBe(0.70m);
        sheet.RateSets[0].Rates.Count.ShouldBe(4);
    }
}

using ContractTherapy.Rates;
using ContractTherapy.Shared.Domain;
using ContractTherapy.Shared.Http;
using Microsoft.AspNetCore.Http;

namespace ContractTherapy.Tests.Units;

public class RateInputsTests
{
    private static readonly DateOnly? July = new DateOnly(2025, 7, 1);
    private static readonly Guid Sunrise = Guid.Parse("5e000000-0000-4000-8000-0000005e1e5e");
    private static readonly Guid Harbor = Guid.Parse("4a000000-0000-4000-8000-0000004a4b04");

    private static Validation Check(DateOnly? effectiveFrom, IReadOnlyList<RateInput>? rates, bool allowAgency)
    {
        var v = new Validation();
        RateInputs.Check(v, effectiveFrom, rates, allowAgency);
        return v;
    }

    private static IDictionary<string, string[]> Errors(Validation v) =>
        v.ToProblem().ShouldBeOfType<HttpValidationProblemDetails>().Errors;

    [Fact]
    public void a_well_formed_pay_rate_set_is_valid()
    {
        var v = Check(July,
        [
            new("PT", "Evaluation", 110.00m),
            new("PT", "Routine", 70.00m),
            new("PT", "Discharge", 80.00m),
            new("PT", "Routine", 75.00m, Sunrise),
        ], allowAgency: true);

        v.IsValid.ShouldBeTrue();
    }

    [Fact]
    public void a_duplicate_discipline_visit_type_and_agency_is_flagged_at_the_repeat()
    {
        var v = Check(July,
        [
            new("PT", "Routine", 70.00m),
            new("PT", "Evaluation", 110.00m),
            new("PT", "Routine", 71.00m),
        ], allowAgency: true);

        var errors = Errors(v);
        errors.Keys.ShouldBe(["rates[2]"]);
        errors["rates[2]"].Single().ShouldContain("PT Routine");
        errors["rates[2]"].Single().ShouldContain("more than once");
    }

    [Fact]
    public void a_duplicate_agency_override_is_flagged()
    {
        var v = Check(July,
        [
            new("PT", "Routine", 75.00m, Sunrise),
            new("PT", "Routine", 76.00m, Sunrise),
        ], allowAgency: true);

        var errors = Errors(v);
        errors.Keys.ShouldBe(["rates[1]"]);
        errors["rates[1]"].Single().ShouldContain(Sunrise.ToString());
    }

    [Fact]
    public void the_same_pair_for_different_agencies_or_general_is_not_a_duplicate()
    {
        var v = Check(July,
        [
            new("PT", "Routine", 70.00m),
            new("PT", "Routine", 75.00m, Sunrise),
            new("PT", "Routine", 74.00m, Harbor),
            new("OT", "Routine", 70.00m),
        ], allowAgency: true);

        v.IsValid.ShouldBeTrue();
    }

    [Fact]
    public void an_unknown_discipline_is_flagged_with_its_field_name()
    {
        var v = Check(July,
        [
            new("PT", "Routine", 70.00m),
            new("XX", "Routine", 70.00m),
        ], allowAgency: false);

        var errors = Errors(v);
        errors.Keys.ShouldBe(["rates[1].discipline"]);
        errors["rates[1].discipline"].Single().ShouldBe("'rates[1].discipline' must be one of PT, PTA, OT, COTA, ST; 'XX' is not.");
    }

    [Fact]
    public void an_unknown_visit_type_is_flagged_with_its_field_name()
    {
        var v = Check(July,
        [
            new("PT", "Routine", 70.00m),
            new("PT", "Checkup", 70.00m),
        ], allowAgency: false);

        var errors = Errors(v);
        errors.Keys.ShouldBe(["rates[1].visitType"]);
        errors["rates[1].visitType"].Single().ShouldContain("'Checkup' is not.");
    }

    [Theory]
    [InlineData("0", "Routine", "rates[0].discipline")]
    [InlineData("PT,OT", "Routine", "rates[0].discipline")]
    [InlineData("P T", "Routine", "rates[0].discipline")]
    [InlineData("PT", "2", "rates[0].visitType")]
    [InlineData(null, "Routine", "rates[0].discipline")]
    [InlineData("PT", " ", "rates[0].visitType")]
    public void only_vocabulary_names_are_accepted(string? discipline, string? visitType, string field)
    {
        var v = Check(July, [new(discipline, visitType, 70.00m)], allowAgency: false);

        Errors(v).Keys.ShouldBe([field]);
    }

    [Theory]
    [InlineData("pt", "routine")]
    [InlineData("Pt", "ROUTINE")]
    public void vocabulary_names_are_accepted_in_any_letter_case_and_read_as_listed(string discipline, string visitType)
    {
        Check(July, [new(discipline, visitType, 70.00m)], allowAgency: false).IsValid.ShouldBeTrue();
        var rate = RateInputs.ToRates([new(discipline, visitType, 70.00m)]).Single();
        (rate.Discipline, rate.VisitType).ShouldBe((Discipline.PT, VisitType.Routine));
        Errors(Check(July, [new("PT", "Routine", 70.00m), new(discipline, visitType, 71.00m)], allowAgency: false)).Keys.ShouldBe(["rates[1]"]);
    }

    [Fact]
    public void a_bad_amount_is_flagged_with_its_field_name()
    {
        var v = Check(July,
        [
            new("PT", "Routine", 70.00m),
            new("PT", "Evaluation", -1.00m),
            new("PT", "Discharge", 80.005m),
            new("PT", "Missed", null),
        ], allowAgency: false);

        Errors(v).Keys.OrderBy(k => k, StringComparer.Ordinal)
            .ShouldBe(["rates[1].amount", "rates[2].amount", "rates[3].amount"]);
    }

    [Fact]
    public void an_agency_id_is_not_allowed_on_bill_rates()
    {
        var v = Check(July, [new("PT", "Routine", 70.00m, Sunrise)], allowAgency: false);

        Errors(v).Keys.ShouldBe(["rates[0].agencyId"]);
    }

    [Fact]
    public void an_agency_id_is_allowed_on_pay_rates()
    {
        Check(July, [new("PT", "Routine", 70.00m, Sunrise)], allowAgency: true).IsValid.ShouldBeTrue();
    }

    [Fact]
    public void a_missing_effective_date_is_flagged()
    {
        var v = Check(null, [new("PT", "Routine", 70.00m)], allowAgency: false);

        Errors(v).Keys.ShouldBe(["effectiveFrom"]);
    }

    [Fact]
    public void an_empty_rate_list_is_flagged()
    {
        Errors(Check(July, [], allowAgency: false)).Keys.ShouldBe(["rates"]);
    }

    [Fact]
    public void a_missing_rate_list_and_date_are_both_flagged()
    {
        Errors(Check(null, null, allowAgency: true)).Keys.OrderBy(k => k, StringComparer.Ordinal)
            .ShouldBe(["effectiveFrom", "rates"]);
    }

    [Fact]
    public void a_null_rate_entry_is_flagged_at_its_index()
    {
        var v = Check(July, [new("PT", "Routine", 70.00m), null!], allowAgency: false);

        Errors(v).Keys.ShouldBe(["rates[1]"]);
    }

    [Fact]
    public void more_than_the_maximum_number_of_rates_is_flagged()
    {
        var general = Enum.GetNames<Discipline>()
            .SelectMany(d => Enum.GetNames<VisitType>().Select(t => (d, t)))
            .ToList();
        var rates = Enumerable.Range(0, RateInputs.MaxRatesPerSet + 1)
            .Select(i => new RateInput(general[i % general.Count].d, general[i % general.Count].t, 50m,
                i < general.Count ? null : Guid.NewGuid()))
            .ToList();

        var errors = Errors(Check(July, rates, allowAgency: true));

        errors.Keys.ShouldBe(["rates"]);
        errors["rates"].Single().ShouldContain("at most 1000");
        Check(July, rates.Take(RateInputs.MaxRatesPerSet).ToList(), allowAgency: true).IsValid.ShouldBeTrue();
    }

    [Fact]
    public void valid_inputs_convert_to_rates()
    {
        var rates = RateInputs.ToRates([new("PT", "Routine", 75.00m, Sunrise), new("OT", "Evaluation", 120.00m)]);

        rates.ShouldBe([
            new Rate(Discipline.PT, VisitType.Routine, 75.00m, Sunrise),
            new Rate(Discipline.OT, VisitType.Evaluation, 120.00m),
        ]);
    }
}

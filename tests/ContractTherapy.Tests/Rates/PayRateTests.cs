using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.Scenarios;

namespace ContractTherapy.Tests.Rates;

public sealed class PayRateTests(AppFixture app) : IntegrationTest(app)
{
    [Fact]
    public async Task the_worked_example_pay_rates_with_an_agency_override()
    {
        var sunrise = await Api.RegisteredAgency("Sunrise HH");
        var lakeside = await Api.RegisteredAgency("Lakeside HH");
        var dana = await Api.OnboardedContractor("Dana Kim", "PT");
        var set = (await Api.Put($"/api/contractors/{dana}/pay-rates", new
        {
            effectiveFrom = "2026-01-01",
            rates = new[]
            {
                Rate("PT", "Evaluation", 110.00m), Rate("PT", "Routine", 70.00m), Rate("PT", "Discharge", 80.00m),
                Rate("PT", "Routine", 75.00m, sunrise),
            },
            mileageRate = 0.70m,
        })).ShouldBe(200);
        set.Json["mileageRate"]!.GetValue<decimal>().ShouldBe(0.70m);

        var atSunrise = (await Api.Get($"/api/contractors/{dana}/pay-rates?asOf=2026-03-05&agencyId={sunrise}")).ShouldBe(200);
        RateLookup.AmountOf(atSunrise, "PT", "Routine").ShouldBe(75.00m);
        RateLookup.AmountOf(atSunrise, "PT", "Evaluation").ShouldBe(110.00m);
        RateLookup.AmountOf(atSunrise, "PT", "Discharge").ShouldBe(80.00m);
        atSunrise.Json["rateSetId"]!.GetValue<string>().ShouldBe(set.Json["id"]!.GetValue<string>());

        var atLakeside = await Api.Get($"/api/contractors/{dana}/pay-rates?asOf=2026-03-05&agencyId={lakeside}");
        RateLookup.AmountOf(atLakeside, "PT", "Routine").ShouldBe(70.00m);

        // Without an agency, the whole set: both the general rate and the override.
        var whole = await Api.Get($"/api/contractors/{dana}/pay-rates?asOf=2026-03-05");
        whole.Json["rates"]!.AsArray().Count.ShouldBe(4);
    }

    [Fact]
    public async Task pay_rate_lookup_before_on_and_after_an_effective_date()
    {
        var dana = await Api.OnboardedContractor();
        await Api.SetPayRates(dana, "2026-02-01", Rate("PT", "Routine", 70m));
        await Api.SetPayRates(dana, "2026-05-01", Rate("PT", "Routine", 72.5m));

        (await Api.Get($"/api/contractors/{dana}/pay-rates?asOf=2026-01-31")).Json["rates"]!.AsArray().Count.ShouldBe(0);
        RateLookup.AmountOf(await Api.Get($"/api/contractors/{dana}/pay-rates?asOf=2026-02-01"), "PT", "Routine").ShouldBe(70m);
        RateLookup.AmountOf(await Api.Get($"/api/contractors/{dana}/pay-rates?asOf=2026-04-30"), "PT", "Routine").ShouldBe(70m);
        RateLookup.AmountOf(await Api.Get($"/api/contractors/{dana}/pay-rates?asOf=2026-05-01"), "PT", "Routine").ShouldBe(72.5m);
    }

    [Fact]
    public async Task an_override_applies_only_while_its_set_is_in_effect()
    {
        var sunrise = await Api.RegisteredAgency();
        var dana = await Api.OnboardedContractor();
        await Api.SetPayRates(dana, "2026-01-01", Rate("PT", "Routine", 70m), Rate("PT", "Routine", 75m, sunrise));
        await Api.SetPayRates(dana, "2026-04-01", Rate("PT", "Routine", 71m));

        RateLookup.AmountOf(await Api.Get($"/api/contractors/{dana}/pay-rates?asOf=2026-03-31&agencyId={sunrise}"), "PT", "Routine").ShouldBe(75m);
        RateLookup.AmountOf(await Api.Get($"/api/contractors/{dana}/pay-rates?asOf=2026-04-01&agencyId={sunrise}"), "PT", "Routine").ShouldBe(71m);
    }

    [Fact]
    public async Task the_same_pair_for_two_different_agencies_is_allowed_but_not_twice_for_one()
    {
        var a = await Api.RegisteredAgency("A HH");
        var b = await Api.RegisteredAgency("B HH");
        var dana = await Api.OnboardedContractor();
        (await Api.SetPayRates(dana, "2026-01-01", Rate("PT", "Routine", 70m), Rate("PT", "Routine", 75m, a), Rate("PT", "Routine", 76m, b)))
            .ShouldBe(200);
        (await Api.SetPayRates(dana, "2026-01-01", Rate("PT", "Routine", 75m, a), Rate("PT", "Routine", 76m, a)))
            .ShouldBeProblem(400, "rates[1]");
    }

    [Fact]
    public async Task an_override_for_an_unknown_agency_is_a_400_naming_the_rate()
    {
        var dana = await Api.OnboardedContractor();
        var foreign = await OtherTenant().RegisteredAgency();
        (await Api.SetPayRates(dana, "2026-01-01", Rate("PT", "Routine", 70m), Rate("PT", "Routine", 75m, foreign)))
            .ShouldBeProblem(400, "rates[1].agencyId");
        (await Api.Get($"/api/contractors/{dana}/pay-rates?asOf=2026-02-01")).Json["rates"]!.AsArray().Count.ShouldBe(0);
    }

    [Theory]
    [InlineData("""{"effectiveFrom":"2026-01-01","rates":[{"discipline":"PT","visitType":"Routine","amount":70.001}]}""", "rates[0].amount")]
    [InlineData("""{"effectiveFrom":"2026-01-01","rates":[{"discipline":"PT","visitType":"Routine","amount":-70}]}""", "rates[0].amount")]
    [InlineData("""{"effectiveFrom":"2026-01-01","rates":[{"discipline":"SLP","visitType":"Routine","amount":70}]}""", "rates[0].discipline")]
    [InlineData("""{"effectiveFrom":"2026-01-01","rates":[{"discipline":"PT","visitType":"Routine","amount":70}],"mileageRate":0.655}""", "mileageRate")]
    [InlineData("""{"rates":[{"discipline":"PT","visitType":"Routine","amount":70}]}""", "effectiveFrom")]
    public async Task invalid_pay_rate_sets_are_400s(string body, string field)
    {
        var dana = await Api.OnboardedContractor();
        (await Api.Put($"/api/contractors/{dana}/pay-rates", body)).ShouldBeProblem(400, field);
    }

    [Fact]
    public async Task pay_rates_of_an_unknown_contractor_are_a_404()
    {
        (await Api.SetPayRates(Guid.NewGuid(), "2026-01-01", Rate("PT", "Routine", 70m))).ShouldBeProblem(404);
        (await Api.Get($"/api/contractors/{Guid.NewGuid()}/pay-rates")).ShouldBeProblem(404);
        // An agency's id is not a contractor's.
        (await Api.SetPayRates(await Api.RegisteredAgency(), "2026-01-01", Rate("PT", "Routine", 70m))).ShouldBeProblem(404);
    }

    [Fact]
    public async Task a_contractor_reads_its_own_pay_rates_only_and_cannot_set_them()
    {
        var me = await Api.OnboardedContractor("Dana Kim");
        var other = await Api.OnboardedContractor("Sam Ortiz");
        await Api.SetPayRates(me, "2026-01-01", Rate("PT", "Routine", 70m));

        (await Api.Get($"/api/contractors/{me}/pay-rates?asOf=2026-02-01", role: "contractor", contractorId: me)).ShouldBe(200);
        (await Api.Get($"/api/contractors/{other}/pay-rates?asOf=2026-02-01", role: "contractor", contractorId: me)).ShouldBeProblem(404);
        (await Api.Put($"/api/contractors/{me}/pay-rates", new { effectiveFrom = "2026-01-01", rates = new[] { Rate("PT", "Routine", 99m) } },
            role: "contractor", contractorId: me)).ShouldBeProblem(403);
    }

    [Theory]
    [InlineData("billing")]
    [InlineData("accountant")]
    public async Task only_owner_and_payroll_set_pay_rates(string role)
    {
        var dana = await Api.OnboardedContractor();
        (await Api.Put($"/api/contractors/{dana}/pay-rates", new { effectiveFrom = "2026-01-01", rates = new[] { Rate("PT", "Routine", 70m) } },
            role: role)).ShouldBeProblem(403);
        (await Api.Put($"/api/contractors/{dana}/pay-rates", new { effectiveFrom = "2026-01-01", rates = new[] { Rate("PT", "Routine", 70m) } },
            role: "payroll")).ShouldBe(200);
    }

    [Fact]
    public async Task another_tenant_cannot_see_or_set_pay_rates()
    {
        var dana = await Api.OnboardedContractor();
        await Api.SetPayRates(dana, "2026-01-01", Rate("PT", "Routine", 70m));
        var other = OtherTenant();
        (await other.Get($"/api/contractors/{dana}/pay-rates")).ShouldBeProblem(404);
        (await other.SetPayRates(dana, "2026-01-01", Rate("PT", "Routine", 1m))).ShouldBeProblem(404);
    }
}

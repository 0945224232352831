using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.Scenarios;

namespace ContractTherapy.Tests.Rates;

public sealed class BillRateTests(AppFixture app) : IntegrationTest(app)
{
    [Fact]
    public async Task the_worked_example_bill_rates_can_be_entered_and_read_back()
    {
        var sunrise = await Api.RegisteredAgency("Sunrise HH");
        var january = (await Api.SetBillRates(sunrise, "2026-01-01",
            Rate("PT", "Evaluation", 150.00m), Rate("PT", "Routine", 95.00m), Rate("PT", "Discharge", 110.00m))).ShouldBe(200);
        var march = (await Api.SetBillRates(sunrise, "2026-03-09",
            Rate("PT", "Evaluation", 150.00m), Rate("PT", "Routine", 100.00m), Rate("PT", "Discharge", 110.00m))).ShouldBe(200);
        january.Json["effectiveFrom"]!.GetValue<string>().ShouldBe("2026-01-01");
        january.Json["agencyId"]!.GetValue<string>().ShouldBe(sunrise.ToString());

        var onThe5th = (await Api.Get($"/api/agencies/{sunrise}/bill-rates?asOf=2026-03-05")).ShouldBe(200);
        RateLookup.AmountOf(onThe5th, "PT", "Routine").ShouldBe(95.00m);
        RateLookup.AmountOf(onThe5th, "PT", "Evaluation").ShouldBe(150.00m);
        onThe5th.Json["rateSetId"]!.GetValue<string>().ShouldBe(january.Json["id"]!.GetValue<string>());

        var onThe10th = await Api.Get($"/api/agencies/{sunrise}/bill-rates?asOf=2026-03-10");
        RateLookup.AmountOf(onThe10th, "PT", "Routine").ShouldBe(100.00m);
        RateLookup.AmountOf(onThe10th, "PT", "Discharge").ShouldBe(110.00m);
        onThe10th.Json["rateSetId"]!.GetValue<string>().ShouldBe(march.Json["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task lookup_before_on_and_after_an_effective_date()
    {
        var agency = await Api.RegisteredAgency();
        await Api.SetBillRates(agency, "2026-02-01", Rate("OT", "Routine", 90m));
        await Api.SetBillRates(agency, "2026-04-01", Rate("OT", "Routine", 99.5m));

        var before = (await Api.Get($"/api/agencies/{agency}/bill-rates?asOf=2026-01-31")).ShouldBe(200);
        before.Json["rateSetId"].ShouldBeNull();
        before.Json["rates"]!.AsArray().Count.ShouldBe(0);

        RateLookup.AmountOf(await Api.Get($"/api/agencies/{agency}/bill-rates?asOf=2026-02-01"), "OT", "Routine").ShouldBe(90m);
        RateLookup.AmountOf(await Api.Get($"/api/agencies/{agency}/bill-rates?asOf=2026-03-31"), "OT", "Routine").ShouldBe(90m);
        RateLookup.AmountOf(await Api.Get($"/api/agencies/{agency}/bill-rates?asOf=2026-04-01"), "OT", "Routine").ShouldBe(99.5m);
        RateLookup.AmountOf(await Api.Get($"/api/agencies/{agency}/bill-rates?asOf=2027-01-01"), "OT", "Routine").ShouldBe(99.5m);
    }

    [Fact]
    public async Task a_later_set_replaces_the_whole_earlier_set_so_a_missing_pair_has_no_rate()
    {
        var agency = await Api.RegisteredAgency();
        await Api.SetBillRates(agency, "2026-01-01", Rate("PT", "Routine", 95m), Rate("PT", "Missed", 0m));
        await Api.SetBillRates(agency, "2026-06-01", Rate("PT", "Routine", 97m));

        var june = await Api.Get($"/api/agencies/{agency}/bill-rates?asOf=2026-06-15");
        RateLookup.AmountOf(june, "PT", "Missed").ShouldBeNull();
        RateLookup.AmountOf(await Api.Get($"/api/agencies/{agency}/bill-rates?asOf=2026-05-31"), "PT", "Missed").ShouldBe(0m);
    }

    [Fact]
    public async Task a_zero_rate_is_a_rate()
    {
        var agency = await Api.RegisteredAgency();
        (await Api.SetBillRates(agency, "2026-01-01", Rate("PT", "Missed", 0m))).ShouldBe(200);
        RateLookup.AmountOf(await Api.Get($"/api/agencies/{agency}/bill-rates?asOf=2026-01-02"), "PT", "Missed").ShouldBe(0m);
    }

    public static TheoryData<string, string> InvalidSets => new()
    {
        { """{"rates":[{"discipline":"PT","visitType":"Routine","amount":95}]}""", "effectiveFrom" },
        { """{"effectiveFrom":"2026-01-01","rates":[]}""", "rates" },
        { """{"effectiveFrom":"2026-01-01","rates":[{"discipline":"XX","visitType":"Routine","amount":95}]}""", "rates[0].discipline" },
        { """{"effectiveFrom":"2026-01-01","rates":[{"discipline":"PT","visitType":"Walk","amount":95}]}""", "rates[0].visitType" },
        { """{"effectiveFrom":"2026-01-01","rates":[{"discipline":"P.T.","visitType":"Routine","amount":95}]}""", "rates[0].discipline" },
        { """{"effectiveFrom":"2026-01-01","rates":[{"discipline":"PT","visitType":"Routine","amount":-1}]}""", "rates[0].amount" },
        { """{"effectiveFrom":"2026-01-01","rates":[{"discipline":"PT","visitType":"Routine","amount":95.005}]}""", "rates[0].amount" },
        { """{"effectiveFrom":"2026-01-01","rates":[{"discipline":"PT","visitType":"Routine"}]}""", "rates[0].amount" },
        { """{"effectiveFrom":"2026-01-01","rates":[{"discipline":"PT","visitType":"Routine","amount":95},{"discipline":"PT","visitType":"Routine","amount":96}]}""", "rates[1]" },
        { $$"""{"effectiveFrom":"2026-01-01","rates":[{"discipline":"PT","visitType":"Routine","amount":95,"agencyId":"{{Guid.NewGuid()}}"}]}""", "rates[0].agencyId" },
    };

    [Theory]
    [MemberData(nameof(InvalidSets))]
    public async Task invalid_bill_rate_sets_are_400s_naming_the_field_and_store_nothing(string body, string field)
    {
        var agency = await Api.RegisteredAgency();
        (await Api.Put($"/api/agencies/{agency}/bill-rates", body)).ShouldBeProblem(400, field);
        (await Api.Get($"/api/agencies/{agency}/bill-rates?asOf=2030-01-01")).Json["rates"]!.AsArray().Count.ShouldBe(0);
    }

    [Fact]
    public async Task a_malformed_effective_date_is_a_400()
    {
        var agency = await Api.RegisteredAgency();
        (await Api.Put($"/api/agencies/{agency}/bill-rates", """{"effectiveFrom":"03/09/2026","rates":[]}""")).Status.ShouldBe(400);
        (await Api.Get($"/api/agencies/{agency}/bill-rates?asOf=yesterday")).ShouldBeProblem(400, "asOf");
    }

    [Fact]
    public async Task bill_rates_of_an_unknown_agency_are_a_404()
    {
        (await Api.SetBillRates(Guid.NewGuid(), "2026-01-01", Rate("PT", "Routine", 95m))).ShouldBeProblem(404);
    }

    [Theory]
    [InlineData("payroll")]
    [InlineData("compliance")]
    [InlineData("accountant")]
    public async Task only_owner_and_billing_set_bill_rates(string role)
    {
        var agency = await Api.RegisteredAgency();
        (await Api.Put($"/api/agencies/{agency}/bill-rates",
            new { effectiveFrom = "2026-01-01", rates = new[] { Rate("PT", "Routine", 95m) } }, role: role)).ShouldBeProblem(403);
        (await Api.Put($"/api/agencies/{agency}/bill-rates",
            new { effectiveFrom = "2026-01-01", rates = new[] { Rate("PT", "Routine", 95m) } }, role: "billing")).ShouldBe(200);
    }

    [Fact]
    public async Task contractors_and_agencies_do_not_read_bill_rates()
    {
        var agency = await Api.RegisteredAgency();
        (await Api.Get($"/api/agencies/{agency}/bill-rates", role: "contractor", contractorId: Guid.NewGuid())).ShouldBeProblem(403);
        (await Api.Get($"/api/agencies/{agency}/bill-rates", role: "agency", agencyId: agency)).ShouldBeProblem(403);
    }
}

using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.Scenarios;

namespace ContractTherapy.Tests.Rates;

/// <summary>The history of rate sets: every set with its effective date, not only the one in effect on a date.</summary>
public sealed class RateHistoryTests(AppFixture app) : IntegrationTest(app)
{
    [Fact]
    public async Task a_pay_sheet_lists_every_rate_set_newest_effective_date_first()
    {
        var sunrise = await Api.RegisteredAgency("Sunrise HH");
        var dana = await Api.OnboardedContractor("Dana Kim", "PT");
        var january = (await Api.SetPayRates(dana, "2026-01-01", Rate("PT", "Routine", 70m), Rate("PT", "Routine", 75m, sunrise))).ShouldBe(200);
        var march = (await Api.SetPayRates(dana, "2026-03-01", Rate("PT", "Routine", 72m))).ShouldBe(200);
        var marchAgain = (await Api.SetPayRates(dana, "2026-03-01", Rate("PT", "Routine", 73m))).ShouldBe(200);

        var history = (await Api.Get($"/api/contractors/{dana}/pay-rates/history")).ShouldBe(200);
        var sets = history.Json["rateSets"]!.AsArray();
        sets.Select(s => s!["id"]!.GetValue<string>()).ShouldBe(
            [marchAgain.Json["id"]!.GetValue<string>(), march.Json["id"]!.GetValue<string>(), january.Json["id"]!.GetValue<string>()]);
        sets.Select(s => s!["effectiveFrom"]!.GetValue<string>()).ShouldBe(["2026-03-01", "2026-03-01", "2026-01-01"]);
        sets.Select(s => s!["superseded"]!.GetValue<bool>()).ShouldBe([false, true, false]);
        sets[2]!["rates"]!.AsArray().Count.ShouldBe(2);
        sets[2]!["rates"]![1]!["agencyId"]!.GetValue<string>().ShouldBe(sunrise.ToString());
    }

    [Fact]
    public async Task a_contractor_reads_its_own_history_only_and_billing_none()
    {
        var me = await Api.OnboardedContractor("Dana Kim");
        var other = await Api.OnboardedContractor("Sam Ortiz");
        await Api.SetPayRates(me, "2026-01-01", Rate("PT", "Routine", 70m));

        (await Api.Get($"/api/contractors/{me}/pay-rates/history", role: "contractor", contractorId: me)).ShouldBe(200);
        (await Api.Get($"/api/contractors/{other}/pay-rates/history", role: "contractor", contractorId: me)).ShouldBeProblem(404);
        (await Api.Get($"/api/contractors/{me}/pay-rates/history", role: "billing")).ShouldBeProblem(403);
        (await Api.Get($"/api/contractors/{Guid.NewGuid()}/pay-rates/history")).ShouldBeProblem(404);
    }

    [Fact]
    public async Task an_agency_lists_every_bill_rate_set_and_an_empty_history_is_empty()
    {
        var agency = await Api.RegisteredAgency();
        (await Api.Get($"/api/agencies/{agency}/bill-rates/history")).ShouldBe(200).Json["rateSets"]!.AsArray().Count.ShouldBe(0);

        await Api.SetBillRates(agency, "2026-04-01", Rate("OT", "Routine", 99.5m));
        await Api.SetBillRates(agency, "2026-02-01", Rate("OT", "Routine", 90m), Rate("OT", "Evaluation", 140m));

        var sets = (await Api.Get($"/api/agencies/{agency}/bill-rates/history")).ShouldBe(200).Json["rateSets"]!.AsArray();
        sets.Select(s => s!["effectiveFrom"]!.GetValue<string>()).ShouldBe(["2026-04-01", "2026-02-01"]);
        sets[1]!["rates"]!.AsArray().Count.ShouldBe(2);
        (await Api.Get($"/api/agencies/{agency}/bill-rates/history", role: "payroll")).ShouldBeProblem(403);
        (await Api.Get($"/api/agencies/{Guid.NewGuid()}/bill-rates/history")).ShouldBeProblem(404);
    }
}

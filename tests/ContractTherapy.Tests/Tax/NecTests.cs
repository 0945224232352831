using ContractTherapy.Shared.Security;
using ContractTherapy.Payments.Payees;
using ContractTherapy.Payments.TaxReporting;
using ContractTherapy.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ContractTherapy.Tests.Tax;

public sealed class NecTests(AppFixture app) : IntegrationTest(app)
{
    private async Task<Guid> Contractor(string name, string tin, bool w9 = true)
    {
        var id = await Api.OnboardedContractor(name);
        if (w9)
            (await Api.Put($"/api/contractors/{id}/w9", new
            {
                tinType = "SSN", tin, legalName = name, taxClassification = "individual",
                address = new { line1 = "12 Elm St", city = "Albany", state = "NY", zip = "12207" }, certifiedOn = "2025-01-05",
            })).ShouldBe(200);
        return id;
    }

    private async Task<Guid> Paid(Guid contractor, decimal amount, string paidOn, string method = "check") =>
        (await Api.Post("/api/payments/manual", new { contractorId = contractor, amount, paidOn, method, reference = $"REF-{Guid.NewGuid():N}"[..12] },
            role: "payroll")).ShouldBe(201).Id;

    private async Task SetPayer() => (await Api.Put("/api/settings", new
    {
        billingCycle = new { frequency = "biweekly", firstCycleStartsOn = "2026-03-02" },
        requireSignedNote = true,
        timeZone = "America/New_York",
        payer = new { name = "Acme Therapy Staffing LLC", ein = "98-7654321", address = new { line1 = "1 Main St", city = "Albany", state = "NY", zip = "12207" },
            phone = "518-555-0100", email = "books@acme.example" },
    })).ShouldBe(200);

    private static System.Text.Json.Nodes.JsonNode Row(Reply report, Guid contractor) =>
        report.Json["contractors"]!.AsArray().Single(c => c!["contractorId"]!.GetValue<string>() == contractor.ToString())!;

    [Fact]
    public async Task reportable_at_exactly_the_threshold_not_a_cent_under_with_2025_and_2026_thresholds()
    {
        var at2026 = await Contractor("Ann Exact", "111-22-3333");
        var under2026 = await Contractor("Ben Under", "222-33-4444");
        await Paid(at2026, 1500m, "2026-03-18");
        await Paid(at2026, 500m, "2026-06-18", "ach");
        await Paid(under2026, 1999.99m, "2026-03-18");
        var at2025 = await Contractor("Cai Old", "333-44-5555");
        await Paid(at2025, 600m, "2025-07-01");
        await Paid(under2026, 599.99m, "2025-07-01");

        var y2026 = (await Api.TaxReport("/api/tax/1099-nec/2026", role: "accountant")).ShouldBe(200);
        y2026.Json["threshold"]!.GetValue<decimal>().ShouldBe(2000m);
        y2026.Json["dueOn"]!.GetValue<string>().ShouldBe("2027-02-01");
        Row(y2026, at2026)["total"]!.GetValue<decimal>().ShouldBe(2000.00m);
        Row(y2026, at2026)["reportable"]!.GetValue<bool>().ShouldBeTrue();
        Row(y2026, under2026)["reportable"]!.GetValue<bool>().ShouldBeFalse();
        Row(y2026, at2026)["tinMasked"]!.GetValue<string>().ShouldBe("***-**-3333");
        y2026.Body.ShouldNotContain("111223333");

        var y2025 = (await Api.TaxReport("/api/tax/1099-nec/2025", role: "accountant")).ShouldBe(200);
        y2025.Json["threshold"]!.GetValue<decimal>().ShouldBe(600m);
        Row(y2025, at2025)["reportable"]!.GetValue<bool>().ShouldBeTrue();
        Row(y2025, under2026)["reportable"]!.GetValue<bool>().ShouldBeFalse();
        Row(y2025, under2026)["total"]!.GetValue<decimal>().ShouldBe(599.99m);
    }

    [Fact]
    public async Task one_taxpayer_onboarded_twice_is_reportable_on_what_the_year_paid_to_the_tin()
    {
        // Totals are per contractor by TIN: two records of one taxpayer, each under the threshold, still get 1099-NECs,
        // one per record, told apart in the IRIS file by their account numbers.
        await SetPayer();
        var first = await Contractor("Sam Lee", "111-22-3333");
        var second = await Contractor("Sam Lee", "111-22-3333");
        var other = await Contractor("Sam Leigh", "444-55-6666");
        await Paid(first, 1200m, "2026-04-01");
        await Paid(second, 1200m, "2026-05-01");
        await Paid(other, 1200m, "2026-05-01");

        var year = (await Api.TaxReport("/api/tax/1099-nec/2026", role: "accountant")).ShouldBe(200);
        Row(year, first)["total"]!.GetValue<decimal>().ShouldBe(1200m);
        Row(year, first)["reportable"]!.GetValue<bool>().ShouldBeTrue();
        Row(year, second)["reportable"]!.GetValue<bool>().ShouldBeTrue();
        Row(year, other)["reportable"]!.GetValue<bool>().ShouldBeFalse();
        year.Body.ShouldNotContain("111223333");
        // The contractor sees the verdict on their own row.
        var own = (await Api.TaxReport("/api/tax/1099-nec/2026", role: "contractor", contractorId: second)).ShouldBe(200);
        own.Json["contractors"]!.AsArray().ShouldHaveSingleItem()!["reportable"]!.GetValue<bool>().ShouldBeTrue();

        var rows = Csv.Parse((await Api.TaxReport("/api/tax/1099-nec/2026/iris.csv", role: "accountant")).ShouldBe(200).Body).Rows;
        rows.Select(r => (r["Recipient Taxpayer ID Number"], r["Box 1 - Nonemployee Compensation"])).ShouldBe([("111223333", "1200.00"), ("111223333", "1200.00")]);
        rows.Select(r => r["Form Account Number"]).Distinct().Count().ShouldBe(2);
    }

    [Fact]
    public async Task the_year_is_the_year_paid_not_the_year_of_the_visits()
    {
        var dana = await Contractor("Dana Kim", "123-45-6789");
        await Paid(dana, 800m, "2025-12-30");   // November's visits, paid in December
        await Paid(dana, 900m, "2026-01-05");   // December's visits, paid in January
        Row(await Api.TaxReport("/api/tax/1099-nec/2025", role: "accountant"), dana)["total"]!.GetValue<decimal>().ShouldBe(800m);
        Row(await Api.TaxReport("/api/tax/1099-nec/2026", role: "accountant"), dana)["total"]!.GetValue<decimal>().ShouldBe(900m);
    }

    [Fact]
    public async Task card_and_paypal_payments_are_excluded_and_the_ledger_says_why()
    {
        var dana = await Contractor("Dana Kim", "123-45-6789");
        await Paid(dana, 1500m, "2026-02-01", "ach");
        await Paid(dana, 400m, "2026-02-15", "card");
        await Paid(dana, 300m, "2026-03-01", "paypal");
        var row = Row(await Api.TaxReport("/api/tax/1099-nec/2026", role: "accountant"), dana);
        row["total"]!.GetValue<decimal>().ShouldBe(1500m);
        row["excludedTotal"]!.GetValue<decimal>().ShouldBe(700m);
        row["reportable"]!.GetValue<bool>().ShouldBeFalse();

        var ledger = await Api.TaxReport("/api/tax/1099-nec/2026/ledger.csv", role: "accountant");
        ledger.ShouldBe(200).Header("Content-Type").ShouldStartWith("text/csv");
        var (headers, rows) = Csv.Parse(ledger.Body);
        headers.ShouldBe(["Contractor Id", "Name", "Payment Id", "Paid On", "Method", "Amount", "Included", "Reason"]);
        rows.Count.ShouldBe(3);
        rows.Single(r => r["Method"] == "card")["Included"].ShouldBe("no");
        rows.Single(r => r["Method"] == "card")["Reason"].ShouldContain("1099-K");
        rows.Single(r => r["Method"] == "ach")["Included"].ShouldBe("yes");
        rows.Single(r => r["Method"] == "paypal")["Amount"].ShouldBe("300.00");
    }

    [Fact]
    public async Task a_reversed_payment_leaves_the_total()
    {
        var dana = await Contractor("Dana Kim", "123-45-6789");
        await Paid(dana, 2500m, "2026-02-01", "ach");
        await Api.CyclesFrom("2026-03-02");
        var (_, transfer) = await Api.PaidThroughStripe(App.Stripe, dana, 1000m);
        (await Api.DeliverStripeEvent(App.Stripe.Reverse(transfer))).ShouldBe(200);
        Row(await Api.TaxReport("/api/tax/1099-nec/2026", role: "accountant"), dana)["total"]!.GetValue<decimal>().ShouldBe(2500m);
    }

    [Fact]
    public async Task the_year_is_read_from_the_stored_totals_exactly_as_its_payments_add_up()
    {
        // The reading, the summary and the IRIS file take each contractor's totals as the projection
        // stored them, not its payments: they must be what the payments add up to, scale included
        // (1500.50 + 499.50 is 2000.00, written so), with excluded and reversed payments kept apart.
        await SetPayer();
        var dana = await Contractor("Dana Kim", "123-45-6789");
        var sam = await Contractor("Sam Ortiz", "234-56-7890");
        await Paid(dana, 1500.50m, "2026-02-01", "ach");
        await Paid(dana, 499.50m, "2026-02-15");
        await Paid(dana, 400.25m, "2026-03-01", "card");
        await Paid(dana, 0.75m, "2026-03-02", "paypal");
        var (_, transfer) = await Api.PaidThroughStripe(App.Stripe, dana, 1000m);
        await Paid(sam, 2100m, "2026-02-01");
        (await Api.DeliverStripeEvent(App.Stripe.Reverse(transfer))).ShouldBe(200);

        var reading = (await Api.TaxReport("/api/tax/1099-nec/2026", role: "accountant")).ShouldBe(200);
        reading.Body.ShouldContain($"\"contractorId\":\"{dana}\",\"name\":\"Dana Kim\",\"tinMasked\":\"***-**-6789\",\"w9OnFile\":true,\"total\":2000.00,\"excludedTotal\":401.00,\"reportable\":true");
        reading.Body.ShouldContain($"\"contractorId\":\"{sam}\",\"name\":\"Sam Ortiz\",\"tinMasked\":\"***-**-7890\",\"w9OnFile\":true,\"total\":2100,\"excludedTotal\":0,\"reportable\":true");

        // The same files as from the whole documents, payments added up in the host.
        await using var session = App.Store.QuerySession(Api.Tenant);
        var years = await session.Query<ContractorTaxYear>().Where(y => y.Year == 2026).ToListAsync();
        var payees = (await session.LoadManyAsync<ContractorPayee>(years.Select(y => y.ContractorId).ToArray())).ToDictionary(p => p.Id);
        var rules = App.Host.Services.GetRequiredService<TaxYearRules>();
        using var tins = App.Host.Services.GetRequiredService<FieldCipher>().DecryptorFor(Api.Tenant);
        var expected = NecReports.Build(2026, 2000m, rules.DueOn(2026), years.Select(ContractorTaxYearTotals.Of).ToList(), payees, tins.Decrypt);
        expected.Contractors.Select(c => (c.Total, c.ExcludedTotal)).ShouldBe([(2000.00m, 401.00m), (2100m, 0m)]);
        (await Api.TaxReport("/api/tax/1099-nec/2026/summary.csv", role: "accountant")).ShouldBe(200).Body.TrimStart('\uFEFF')
            .ShouldBe(System.Text.Encoding.UTF8.GetString(NecReports.Summary(expected)).TrimStart('\uFEFF'));
        var iris = (await Api.TaxReport("/api/tax/1099-nec/2026/iris.csv", role: "accountant")).ShouldBe(200);
        Csv.Parse(iris.Body).Rows.Select(r => r["Box 1 - Nonemployee Compensation"]).ShouldBe(["2000.00", "2100.00"]);
    }

    [Fact]
    public async Task the_summary_masks_tins_and_flags_missing_w9s()
    {
        var dana = await Contractor("Dana Kim", "123-45-6789");
        var sam = await Contractor("Sam Ortiz", "", w9: false);
        await Paid(dana, 2100m, "2026-02-01");
        await Paid(sam, 2200m, "2026-02-01");
        var summary = (await Api.TaxReport("/api/tax/1099-nec/2026/summary.csv", role: "owner")).ShouldBe(200).Body;
        summary.ShouldNotContain("123456789");
        var (_, rows) = Csv.Parse(summary);
        rows.Select(r => (r["Name"], r["TIN"], r["W-9"], r["Total"], r["Reportable"]))
            .ShouldBe([("Dana Kim", "***-**-6789", "on file", "2100.00", "yes"), ("Sam Ortiz", "", "missing", "2200.00", "yes")]);
    }

    [Fact]
    public async Task the_iris_file_carries_full_tins_for_the_accountant_only_and_each_download_is_recorded()
    {
        await SetPayer();
        var dana = await Contractor("Dana Marie Kim", "123-45-6789");
        var low = await Contractor("Lou Low", "555-66-7777");
        await Paid(dana, 2345.67m, "2026-02-01");
        await Paid(low, 100m, "2026-02-01");

        var iris = (await Api.TaxReport("/api/tax/1099-nec/2026/iris.csv", role: "accountant")).ShouldBe(200);
        var (headers, rows) = Csv.Parse(iris.Body);
        headers.ShouldContain("Box 1 - Nonemployee Compensation");
        headers.ShouldContain("Payer Taxpayer ID Number");
        var row = rows.ShouldHaveSingleItem();
        row["Form Type"].ShouldBe("1099-NEC");
        row["Tax Year"].ShouldBe("2026");
        row["Payer Taxpayer ID Number"].ShouldBe("987654321");
        row["Payer Business or Entity Name Line 1"].ShouldBe("Acme Therapy Staffing LLC");
        row["Recipient TIN Type"].ShouldBe("SSN");
        row["Recipient Taxpayer ID Number"].ShouldBe("123456789");
        row["Recipient First Name"].ShouldBe("Dana");
        row["Recipient Middle Name"].ShouldBe("Marie");
        row["Recipient Last Name"].ShouldBe("Kim");
        row["Box 1 - Nonemployee Compensation"].ShouldBe("2345.67");

        (await Api.TaxReport("/api/tax/1099-nec/2026/iris.csv", role: "payroll")).ShouldBeProblem(403);
        (await Api.TaxReport("/api/tax/1099-nec/2026/iris.csv", role: "contractor", contractorId: dana)).ShouldBeProblem(403);
        var log = (await Api.Get("/api/audit/access-log", role: "compliance")).Json["items"]!.AsArray();
        var entry = log.Single(e => e!["recordKind"]!.GetValue<string>() == "tin")!;
        entry["role"]!.GetValue<string>().ShouldBe("accountant");
        entry["recordIds"]!.AsArray().Select(r => r!.GetValue<string>()).ShouldBe([dana.ToString()]);
    }

    [Fact]
    public async Task the_iris_file_needs_the_payers_details()
    {
        (await Api.TaxReport("/api/tax/1099-nec/2026/iris.csv", role: "accountant")).ShouldBeProblem(422).Json["rule"]!.GetValue<string>().ShouldBe("payer-details");
    }

    [Fact]
    public async Task a_contractor_sees_only_their_own_total()
    {
        var dana = await Contractor("Dana Kim", "123-45-6789");
        var sam = await Contractor("Sam Ortiz", "234-56-7890");
        await Paid(dana, 100m, "2026-02-01");
        await Paid(sam, 200m, "2026-02-01");
        var mine = (await Api.TaxReport("/api/tax/1099-nec/2026", role: "contractor", contractorId: dana)).ShouldBe(200).Json;
        mine["contractors"]!.AsArray().ShouldHaveSingleItem()!["contractorId"]!.GetValue<string>().ShouldBe(dana.ToString());
        (await Api.TaxReport("/api/tax/1099-nec/2026/summary.csv", role: "contractor", contractorId: dana)).ShouldBeProblem(403);
    }

    [Fact]
    public async Task a_year_without_a_configured_threshold_shows_its_totals_and_refuses_only_the_iris_file()
    {
        // 2022 is not in the table (appsettings.json starts at 2023), as a year under way is before the IRS publishes its
        // inflation-indexed figure: the totals are facts, who is reportable is not known yet.
        await SetPayer();
        var dana = await Contractor("Dana Kim", "123-45-6789");
        await Paid(dana, 2500m, "2022-05-02");
        var year = (await Api.TaxReport("/api/tax/1099-nec/2022", role: "accountant")).ShouldBe(200);
        year.Json["threshold"].ShouldBeNull();
        year.Json["irisTemplateKnown"]!.GetValue<bool>().ShouldBeFalse(); // the IRIS columns are known from 2025
        (await Api.TaxReport("/api/tax/1099-nec/2026", role: "accountant")).ShouldBe(200).Json["irisTemplateKnown"]!.GetValue<bool>().ShouldBeTrue();
        Row(year, dana)["total"]!.GetValue<decimal>().ShouldBe(2500m);
        Row(year, dana)["reportable"].ShouldBeNull();

        var summary = (await Api.TaxReport("/api/tax/1099-nec/2022/summary.csv", role: "accountant")).ShouldBe(200).Body;
        Csv.Parse(summary).Rows.Select(r => (r["Name"], r["Total"], r["Threshold"], r["Reportable"]))
            .ShouldBe([("Dana Kim", "2500.00", "not configured", "pending")]);
        (await Api.TaxReport("/api/tax/1099-nec/2022/ledger.csv", role: "accountant")).ShouldBe(200).Body.ShouldContain("2500.00");
        var refused = (await Api.TaxReport("/api/tax/1099-nec/2022/iris.csv", role: "accountant")).ShouldBeProblem(422);
        refused.Json["rule"]!.GetValue<string>().ShouldBe("threshold-configured");
        refused.Json["detail"]!.GetValue<string>().ShouldContain("Tax:Nec:Thresholds:2022");
        // Refused before anything was read: no TIN download recorded.
        (await Api.Get("/api/audit/access-log", role: "compliance")).Json["items"]!.AsArray()
            .ShouldNotContain(e => e!["recordKind"]!.GetValue<string>() == "tin");
        (await Api.TaxReport("/api/tax/1099-nec/1999", role: "accountant")).ShouldBeProblem(400, "year");
    }

    [Fact]
    public void the_start_warns_of_the_year_being_filed_the_year_under_way_and_in_december_the_next_without_a_threshold()
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Tax:Nec:Thresholds:2026"] = "2000" }).Build();
        var rules = new TaxYearRules(config);
        ThresholdReminder.YearsMissing(rules, new DateOnly(2026, 11, 30)).ShouldBeEmpty();
        ThresholdReminder.YearsMissing(rules, new DateOnly(2026, 12, 1)).ShouldBe([2027]);
        ThresholdReminder.YearsMissing(rules, new DateOnly(2027, 1, 15)).ShouldBe([2027]);
        ThresholdReminder.YearsMissing(rules, new DateOnly(2027, 3, 1)).ShouldBe([2027]);
        // In January 2028 the forms being filed are 2027's.
        ThresholdReminder.YearsMissing(rules, new DateOnly(2028, 1, 10)).ShouldBe([2027, 2028]);
        // The IRIS columns are known through 2026 (iris-1099-nec-columns.json): 2027's are due in December 2027.
        ThresholdReminder.TemplatesMissing(new DateOnly(2026, 12, 1)).ShouldBeEmpty();
        ThresholdReminder.TemplatesMissing(new DateOnly(2027, 2, 1)).ShouldBeEmpty();
        ThresholdReminder.TemplatesMissing(new DateOnly(2027, 11, 30)).ShouldBeEmpty();
        ThresholdReminder.TemplatesMissing(new DateOnly(2027, 12, 1)).ShouldBe([2027]);
        ThresholdReminder.TemplatesMissing(new DateOnly(2028, 1, 10)).ShouldBe([2027]);
    }
}

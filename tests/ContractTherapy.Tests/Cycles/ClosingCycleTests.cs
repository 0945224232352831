using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Cycles;

public sealed class ClosingCycleTests(AppFixture app) : IntegrationTest(app)
{
    private async Task<(Guid Agency, Guid Dana)> RatedAgencyAndContractor(string agencyName = "Sunrise HH")
    {
        var agency = await Api.RegisteredAgency(agencyName);
        await Api.SetBillRates(agency, "2026-01-01", Rate("PT", "Evaluation", 150m), Rate("PT", "Routine", 95m), Rate("PT", "Missed", 0m));
        var dana = await Api.PlacedContractor(agency, "Dana Kim", "PT");
        await Api.SetPayRates(dana, "2026-01-01", Rate("PT", "Evaluation", 110m), Rate("PT", "Routine", 70m), Rate("PT", "Missed", 0m));
        return (agency, dana);
    }

    [Fact]
    public async Task the_first_cycle_follows_the_settings_and_closing_opens_the_next()
    {
        await Api.CyclesFrom("2026-03-02", "weekly");
        var first = await Api.CurrentCycle();
        first["periodEnd"]!.GetValue<string>().ShouldBe("2026-03-08");
        first["status"]!.GetValue<string>().ShouldBe("open");

        var closed = (await Api.CloseCycle(first.IdOf())).ShouldBe(200).Json;
        closed.Ids("invoices").ShouldBeEmpty();
        closed.Ids("payStubs").ShouldBeEmpty();

        var next = await Api.CurrentCycle();
        next["periodStart"]!.GetValue<string>().ShouldBe("2026-03-09");
        next["periodEnd"]!.GetValue<string>().ShouldBe("2026-03-15");
        var list = (await Api.Get("/api/cycles")).Json["items"]!.AsArray();
        list.Select(c => c!["status"]!.GetValue<string>()).ShouldBe(["open", "closed"]);
        (await Api.Get($"/api/cycles/{first.IdOf()}")).Json["closedAt"].ShouldNotBeNull();
    }

    [Fact]
    public async Task a_frequency_change_applies_from_the_next_cycle()
    {
        await Api.CyclesFrom("2026-03-02", "weekly");
        var first = await Api.CurrentCycle();
        // Once cycles exist, the first start date no longer moves anything; the frequency does, from the next cycle.
        await Api.CyclesFrom("2026-03-01", "monthly");
        (await Api.CurrentCycle())["periodEnd"]!.GetValue<string>().ShouldBe("2026-03-08");
        await Api.CloseCycle(first.IdOf());
        var next = await Api.CurrentCycle();
        next["periodStart"]!.GetValue<string>().ShouldBe("2026-03-09");
        next["periodEnd"]!.GetValue<string>().ShouldBe("2026-03-31");
    }

    [Fact]
    public async Task closing_a_cycle_twice_returns_409()
    {
        await Api.CyclesFrom("2026-03-02");
        var cycle = (await Api.CurrentCycle()).IdOf();
        (await Api.CloseCycle(cycle)).ShouldBe(200);
        (await Api.CloseCycle(cycle)).ShouldBeProblem(409);
    }

    [Fact]
    public async Task two_simultaneous_closes_produce_one_close()
    {
        await Api.CyclesFrom("2026-03-02");
        var (agency, dana) = await RatedAgencyAndContractor();
        await Api.LogVisit(Visit(dana, agency, "2026-03-04"));
        var cycle = (await Api.CurrentCycle()).IdOf();

        var replies = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Api.Post($"/api/cycles/{cycle}/close", null, role: "billing")));
        replies.Count(r => r.Status == 200).ShouldBe(1);
        replies.Count(r => r.Status == 409).ShouldBe(3);

        await using var session = App.Store.QuerySession(Api.Tenant);
        var events = await session.Events.FetchStreamAsync(cycle);
        events.Count(e => e.EventTypeName == "cycle_closed").ShouldBe(1);
        (await Api.Get("/api/invoices", role: "billing")).Json["total"]!.GetValue<long>().ShouldBe(1);
    }

    [Fact]
    public async Task a_cycle_whose_last_day_is_not_over_cannot_close()
    {
        var monday = TestClock.TodayIn("America/New_York");
        monday = monday.AddDays(-(((int)monday.DayOfWeek + 6) % 7));
        await Api.CyclesFrom(monday.ToString("yyyy-MM-dd"));
        var cycle = (await Api.CurrentCycle()).IdOf();
        var reply = (await Api.CloseCycle(cycle)).ShouldBeProblem(422);
        reply.Json["rule"]!.GetValue<string>().ShouldBe("cycle-period-over");
        (await Api.Get($"/api/cycles/{cycle}")).Json["status"]!.GetValue<string>().ShouldBe("open");
    }

    [Fact]
    public async Task a_visit_without_an_applicable_rate_blocks_the_close_and_is_named()
    {
        await Api.CyclesFrom("2026-03-02");
        var (agency, dana) = await RatedAgencyAndContractor();
        await Api.LogVisit(Visit(dana, agency, "2026-03-03", "Routine"));
        var discharge = (await Api.LogVisit(Visit(dana, agency, "2026-03-04", "Discharge"))).Id;
        var cycle = (await Api.CurrentCycle()).IdOf();

        var preview = (await Api.Get($"/api/cycles/{cycle}/preview", role: "billing")).ShouldBe(200).Json;
        preview["canClose"]!.GetValue<bool>().ShouldBeFalse();
        preview["blockingVisits"]!.AsArray().ShouldHaveSingleItem()!["visitId"]!.GetValue<string>().ShouldBe(discharge.ToString());

        var refused = (await Api.CloseCycle(cycle)).ShouldBeProblem(422).Json;
        refused["rule"]!.GetValue<string>().ShouldBe("rates-applicable");
        var blocking = refused["blockingVisits"]!.AsArray().ShouldHaveSingleItem()!;
        blocking["visitId"]!.GetValue<string>().ShouldBe(discharge.ToString());
        blocking["missing"]!.AsArray().Select(m => m!.GetValue<string>()).ShouldBe(["billRate", "payRate"]);
        (await Api.Get("/api/invoices", role: "billing")).Json["total"]!.GetValue<long>().ShouldBe(0);

        // With the rates set, the same close goes through.
        await Api.SetBillRates(agency, "2026-01-01", Rate("PT", "Routine", 95m), Rate("PT", "Discharge", 110m));
        await Api.SetPayRates(dana, "2026-01-01", Rate("PT", "Routine", 70m), Rate("PT", "Discharge", 80m));
        (await Api.CloseCycle(cycle)).ShouldBe(200);
    }

    [Fact]
    public async Task missed_visits_are_billed_at_the_missed_rate_even_zero()
    {
        await Api.CyclesFrom("2026-03-02");
        var (agency, dana) = await RatedAgencyAndContractor();
        await Api.LogVisit(Visit(dana, agency, "2026-03-03", "Missed"));
        var closed = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json;
        var invoice = (await Api.Get($"/api/invoices/{closed.Ids("invoices").Single()}", role: "billing")).Json;
        invoice["lines"]!.AsArray().ShouldHaveSingleItem()!["amount"]!.GetValue<decimal>().ShouldBe(0m);
    }

    [Fact]
    public async Task unsigned_notes_wait_and_a_late_signed_visit_is_a_late_line_of_the_next_cycle()
    {
        await Api.CyclesFrom("2026-03-02");
        var (agency, dana) = await RatedAgencyAndContractor();
        await Api.LogVisit(Visit(dana, agency, "2026-03-03"));
        var unsigned = (await Api.LogVisit(Visit(dana, agency, "2026-03-04", noteSigned: false))).Id;
        var first = (await Api.CurrentCycle()).IdOf();
        (await Api.Get($"/api/cycles/{first}/preview", role: "billing")).Json["visitsAwaitingSignature"]!.GetValue<int>().ShouldBe(1);

        var closed = (await Api.CloseCycle(first)).ShouldBe(200).Json;
        (await Api.Get($"/api/invoices/{closed.Ids("invoices").Single()}", role: "billing")).Json["lines"]!.AsArray().Count.ShouldBe(1);
        (await Api.Get($"/api/visits/{unsigned}")).Json["status"]!.GetValue<string>().ShouldBe("open");

        await Api.Post($"/api/visits/{unsigned}/sign-note", null, role: "contractor", contractorId: dana);
        // A visit dated in the closed cycle, logged only now, is late too.
        var forgotten = (await Api.LogVisit(Visit(dana, agency, "2026-03-06", mrn: "MRN-LATE"))).Id;
        var next = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json;
        var lines = (await Api.Get($"/api/invoices/{next.Ids("invoices").Single()}", role: "billing")).Json["lines"]!.AsArray();
        lines.Select(l => (l!["visitId"]!.GetValue<string>(), l["kind"]!.GetValue<string>()))
            .ShouldBe([(unsigned.ToString(), "late"), (forgotten.ToString(), "late")], ignoreOrder: true);
    }

    [Fact]
    public async Task a_tenant_that_does_not_require_signed_notes_bills_unsigned_visits()
    {
        await Api.CyclesFrom("2026-03-02", requireSignedNote: false);
        var (agency, dana) = await RatedAgencyAndContractor();
        await Api.LogVisit(Visit(dana, agency, "2026-03-04", noteSigned: false));
        var closed = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json;
        closed.Ids("invoices").Count.ShouldBe(1);
    }

    [Fact]
    public async Task a_correction_after_invoicing_reverses_the_line_and_bills_it_again()
    {
        await Api.CyclesFrom("2026-03-02");
        var (agency, dana) = await RatedAgencyAndContractor();
        var visit = (await Api.LogVisit(Visit(dana, agency, "2026-03-04", "Routine"))).Id;
        await Api.CloseCurrentCycle();

        (await Api.Put($"/api/visits/{visit}", new { visitType = "Evaluation", reason = "It was the evaluation" })).ShouldBe(200);
        var next = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json;
        var invoice = (await Api.Get($"/api/invoices/{next.Ids("invoices").Single()}", role: "billing")).Json;
        invoice["lines"]!.AsArray().Select(l => (l!["kind"]!.GetValue<string>(), l["visitType"]!.GetValue<string>(), l["amount"]!.GetValue<decimal>()))
            .ShouldBe([("adjustment", "Routine", -95m), ("adjustment", "Evaluation", 150m)]);
        invoice["total"]!.GetValue<decimal>().ShouldBe(55m);
        var stub = (await Api.Get($"/api/paystubs/{next.Ids("payStubs").Single()}", role: "payroll")).Json;
        stub["total"]!.GetValue<decimal>().ShouldBe(40m);

        // A correction that moves no money (the patient's name) adds no lines.
        (await Api.Put($"/api/visits/{visit}", new { patient = new { name = "Jane Q Doe", mrn = "MRN-1001" }, reason = "spelling" })).ShouldBe(200);
        (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json.Ids("invoices").ShouldBeEmpty();
    }

    [Fact]
    public async Task invoice_numbers_are_sequential_without_gaps_across_agencies_and_cycles()
    {
        await Api.CyclesFrom("2026-03-02");
        var (alpha, dana) = await RatedAgencyAndContractor("Alpha HH");
        var bravo = await Api.RegisteredAgency("Bravo HH");
        await Api.SetBillRates(bravo, "2026-01-01", Rate("PT", "Routine", 90m));
        await Api.Post($"/api/contractors/{dana}/agencies/{bravo}");
        await Api.LogVisit(Visit(dana, alpha, "2026-03-03"));
        await Api.LogVisit(Visit(dana, bravo, "2026-03-03"));
        await Api.CloseCurrentCycle();
        // A close with nothing to bill uses no number.
        await Api.CloseCurrentCycle();
        await Api.LogVisit(Visit(dana, bravo, "2026-03-31"));
        await Api.CloseCurrentCycle();

        var numbers = (await Api.Get("/api/invoices", role: "billing")).Json["items"]!.AsArray()
            .Select(i => i!["number"]!.GetValue<string>()[^6..]).Order().ToList();
        numbers.ShouldBe(["000001", "000002", "000003"]);
    }

    [Theory]
    [InlineData("payroll")]
    [InlineData("compliance")]
    [InlineData("contractor")]
    public async Task only_billing_and_owner_close_cycles(string role)
    {
        await Api.CyclesFrom("2026-03-02");
        var cycle = (await Api.CurrentCycle()).IdOf();
        (await Api.Post($"/api/cycles/{cycle}/close", null, role: role, contractorId: role == "contractor" ? Guid.NewGuid() : null))
            .ShouldBeProblem(403);
    }

    [Fact]
    public async Task another_tenants_cycle_is_unknown()
    {
        await Api.CyclesFrom("2026-03-02");
        var cycle = (await Api.CurrentCycle()).IdOf();
        (await OtherTenant().Post($"/api/cycles/{cycle}/close", null, role: "billing")).ShouldBeProblem(404);
        (await OtherTenant().Get($"/api/cycles/{cycle}")).ShouldBeProblem(404);
    }
}

public sealed class InvoicedVisitVersionTests(AppFixture app) : IntegrationTest(app)
{
    [Fact]
    public async Task an_invoiced_visit_keeps_an_exact_version_for_later_corrections()
    {
        await Api.CyclesFrom("2026-03-02");
        var agency = await Api.RegisteredAgency();
        await Api.SetBillRates(agency, "2026-01-01", Rate("PT", "Routine", 95m), Rate("PT", "Evaluation", 150m));
        var dana = await Api.PlacedContractor(agency);
        await Api.SetPayRates(dana, "2026-01-01", Rate("PT", "Routine", 70m), Rate("PT", "Evaluation", 110m));
        var visit = (await Api.LogVisit(Visit(dana, agency, "2026-03-04"))).Id;
        await Api.CloseCurrentCycle();

        var invoiced = (await Api.Get($"/api/visits/{visit}")).Json;
        invoiced["status"]!.GetValue<string>().ShouldBe("invoiced");
        invoiced["version"]!.GetValue<long>().ShouldBe(2);
        (await Api.Put($"/api/visits/{visit}", new { visitType = "Evaluation", reason = "typo", expectedVersion = 2 })).ShouldBe(200);
    }
}

using System.Diagnostics;
using ContractTherapy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Wolverine.Runtime;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Platform;

/// <summary>
/// Every place where a write answers before the state the next screen reads (README, "Read your
/// own writes"): the next read through the API shows the write within a second of its answer.
/// Each check polls the public API until it shows the write and fails past the bound; the
/// figures themselves come from ops/bench/lag.sh.
/// </summary>
public sealed class ReadYourWritesTests(AppFixture app) : IntegrationTest(app)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(1);

    /// <summary>Polls <paramref name="shows"/> until it is true; fails once <see cref="Bound"/> has passed since <paramref name="answered"/>.</summary>
    private static async Task VisibleWithinBound(Stopwatch answered, string what, Func<Task<bool>> shows)
    {
        while (true)
        {
            if (await shows()) return;
            if (answered.Elapsed > Bound)
                throw new ShouldAssertException($"{what}: not visible {answered.Elapsed.TotalMilliseconds:0} ms after the write answered (bound {Bound.TotalMilliseconds:0} ms).");
            await Task.Delay(10);
        }
    }

    /// <summary>
    /// The user is on the screen already: it has been read once, so the figure is the delay, not
    /// the first request's start-up (the host compiles each endpoint on its first call).
    /// </summary>
    private async Task OnScreen(params string[] urls)
    {
        foreach (var url in urls) (await Api.Get(url)).Status.ShouldBeLessThan(500);
    }

    /// <summary>An agency, a payable contractor with rates and one visit in the first (closable) cycle.</summary>
    private async Task<(Guid Cycle, Guid Contractor, Guid Visit)> CycleWithAVisit()
    {
        await Api.CyclesFrom("2026-03-02");
        var agency = await Api.RegisteredAgency("Sunrise HH");
        await Api.SetBillRates(agency, "2026-01-01", Rate("PT", "Routine", 95m));
        var contractor = await Api.PlacedContractor(agency, "Dana Kim");
        await Api.SetPayRates(contractor, "2026-01-01", Rate("PT", "Routine", 70m));
        await Api.MakePayable(contractor);
        var visit = (await Api.LogVisit(Visit(contractor, agency, "2026-03-05"))).ShouldBe(201).Id;
        return ((await Api.CurrentCycle()).IdOf(), contractor, visit);
    }

    [Fact]
    public async Task a_close_answers_the_pay_stubs_it_issues_and_they_and_the_invoiced_visits_show_within_a_second()
    {
        var (cycle, _, visit) = await CycleWithAVisit();

        await OnScreen($"/api/paystubs?cycleId={cycle}", $"/api/visits/{visit}");
        var close = (await Api.Post($"/api/cycles/{cycle}/close", null, role: "billing")).ShouldBe(200);
        var answered = Stopwatch.StartNew();
        var stubs = close.Json.Ids("payStubs");
        stubs.Count.ShouldBe(1);
        close.Json.Ids("invoicedVisits").ShouldBe([visit]);

        await VisibleWithinBound(answered, "pay stubs issued by the close", async () =>
        {
            var listed = (await Api.Get($"/api/paystubs?cycleId={cycle}", role: "payroll")).ShouldBe(200).Json["items"]!.AsArray()
                .Select(s => s!.IdOf()).ToList();
            return listed.Count == stubs.Count && listed.All(stubs.Contains);
        });
        await VisibleWithinBound(answered, "visit marked invoiced by the close", async () =>
            (await Api.Get($"/api/visits/{visit}", role: "billing")).ShouldBe(200).Json["status"]!.GetValue<string>() == "invoiced");
    }

    [Fact]
    public async Task a_manual_payment_shows_in_the_1099_totals_the_pay_stub_year_to_date_and_the_audit_chain_within_a_second()
    {
        var (cycle, contractor, _) = await CycleWithAVisit();
        var closed = (await Api.CloseCycle(cycle)).ShouldBe(200);
        var stub = closed.Json.Ids("payStubs").Single();
        await Api.ProjectionsCaughtUp();
        var today = TestClock.TodayIn("America/New_York");

        await OnScreen($"/api/tax/1099-nec/{today.Year}", $"/api/paystubs/{stub}", "/api/audit/verify");
        // Three payments in a row, each checked on its own: one lucky read cannot pass for a bound.
        var paid = 0m;
        foreach (var amount in new[] { 125m, 50m, 25m })
        {
            (await Api.Post("/api/payments/manual", new { contractorId = contractor, amount, paidOn = today.ToString("yyyy-MM-dd"), method = "check",
                reference = $"CHK {amount}" }, role: "payroll")).ShouldBe(201);
            var answered = Stopwatch.StartNew();
            paid += amount;

            await VisibleWithinBound(answered, $"1099-NEC totals after paying {amount}", async () =>
            {
                var reading = (await Api.Get($"/api/tax/1099-nec/{today.Year}", role: "accountant")).ShouldBe(200).Json;
                var row = reading["contractors"]!.AsArray().SingleOrDefault(c => c!["contractorId"]!.GetValue<string>() == contractor.ToString());
                if (row?["total"]!.GetValue<decimal>() == paid) return true;
                // A reading without the payment says that it trails, and by how much.
                reading["stale"]!.GetValue<bool>().ShouldBeTrue();
                reading["pendingPayments"]!.GetValue<int>().ShouldBe(1);
                return false;
            });
            await VisibleWithinBound(answered, $"pay stub year-to-date paid after paying {amount}", async () =>
                (await Api.Get($"/api/paystubs/{stub}", role: "payroll")).ShouldBe(200).Json["ytdPaid"]!.GetValue<decimal>() == paid);
            await VisibleWithinBound(answered, $"audit hash chain after paying {amount}", async () =>
                (await Api.Get("/api/audit/verify", role: "compliance")).ShouldBe(200).Json["pendingEvents"]!.GetValue<long>() == 0);
        }

        var fresh = (await Api.Get($"/api/tax/1099-nec/{today.Year}", role: "accountant")).Json;
        fresh["stale"]!.GetValue<bool>().ShouldBeFalse();
        fresh["pendingPayments"]!.GetValue<int>().ShouldBe(0);
    }

    [Fact]
    public async Task a_gap_left_in_the_event_sequence_by_a_rolled_back_write_holds_the_1099_totals_and_the_chain_back_less_than_a_second()
    {
        var contractor = await Api.OnboardedContractor("Dana Kim");
        var today = TestClock.TodayIn("America/New_York");
        await Api.ProjectionsCaughtUp();
        // A write that rolls back keeps the sequence number it took: the daemon sees a gap it must
        // not pass while a transaction could still fill it, and skips once none can.
        await using (var connection = new NpgsqlConnection(App.ConnectionString))
        {
            await connection.OpenAsync();
            await using var burn = new NpgsqlCommand("select nextval('contracttherapy.mt_events_sequence')", connection);
            await burn.ExecuteScalarAsync();
        }
        await OnScreen($"/api/tax/1099-nec/{today.Year}", "/api/audit/verify");

        (await Api.Post("/api/payments/manual", new { contractorId = contractor, amount = 40m, paidOn = today.ToString("yyyy-MM-dd"), method = "check",
            reference = "CHK 40" }, role: "payroll")).ShouldBe(201);
        var answered = Stopwatch.StartNew();

        await VisibleWithinBound(answered, "1099-NEC totals past a gap", async () =>
            (await Api.Get($"/api/tax/1099-nec/{today.Year}", role: "accountant")).ShouldBe(200).Json["contractors"]!.AsArray()
            .SingleOrDefault()?["total"]!.GetValue<decimal>() == 40m);
        await VisibleWithinBound(answered, "audit hash chain past a gap", async () =>
            (await Api.Get("/api/audit/verify", role: "compliance")).ShouldBe(200).Json["pendingEvents"]!.GetValue<long>() == 0);
    }

    [Fact]
    public async Task while_the_1099_totals_trail_a_payment_the_reading_says_so_and_catches_up_once_the_projection_runs()
    {
        var contractor = await Api.OnboardedContractor("Dana Kim");
        var today = TestClock.TodayIn("America/New_York");
        await Api.ProjectionsCaughtUp();
        var agents = App.Host.Services.GetRequiredService<IWolverineRuntime>().Agents;
        // The agent runs from the host's start; a test that runs first may still find it starting.
        Uri? taxYears = null;
        for (var started = Stopwatch.StartNew(); taxYears is null && started.Elapsed < TimeSpan.FromSeconds(30); await Task.Delay(50))
            taxYears = agents.AllRunningAgentUris().SingleOrDefault(u => u.ToString().Contains("contractortaxyear", StringComparison.OrdinalIgnoreCase));
        taxYears.ShouldNotBeNull("the 1099 projection's agent never started");

        await agents.StopLocallyAsync(taxYears);
        try
        {
            (await Api.Post("/api/payments/manual", new { contractorId = contractor, amount = 80m, paidOn = today.ToString("yyyy-MM-dd"), method = "ach",
                reference = "ACH 1" }, role: "payroll")).ShouldBe(201);
            var trailing = (await Api.Get($"/api/tax/1099-nec/{today.Year}", role: "accountant")).ShouldBe(200).Json;
            trailing["contractors"]!.AsArray().ShouldBeEmpty();
            trailing["stale"]!.GetValue<bool>().ShouldBeTrue();
            trailing["pendingPayments"]!.GetValue<int>().ShouldBe(1);
            trailing["projectedThrough"]!.GetValue<long>().ShouldBeGreaterThan(0);
            // The contractor learns that the figures trail, not how many payments of others are on the way.
            var own = (await Api.Get($"/api/tax/1099-nec/{today.Year}", role: "contractor", contractorId: contractor)).ShouldBe(200).Json;
            own["stale"]!.GetValue<bool>().ShouldBeTrue();
            own["pendingPayments"].ShouldBeNull();
            own["projectedThrough"].ShouldBeNull();
        }
        finally
        {
            await agents.StartLocallyAsync(taxYears);
        }

        var restarted = Stopwatch.StartNew();
        await VisibleWithinBound(restarted, "1099-NEC totals once the projection runs again", async () =>
        {
            var reading = (await Api.Get($"/api/tax/1099-nec/{today.Year}", role: "accountant")).Json;
            return reading["contractors"]!.AsArray().SingleOrDefault()?["total"]!.GetValue<decimal>() == 80m && !reading["stale"]!.GetValue<bool>();
        });
    }

    [Fact]
    public async Task an_approved_payment_answers_its_id_at_once_and_shows_as_sent_within_a_second()
    {
        App.Stripe.Reset();
        var (cycle, _, _) = await CycleWithAVisit();
        (await Api.CloseCycle(cycle)).ShouldBe(200);

        await OnScreen($"/api/payments/{Guid.NewGuid()}");
        var approval = (await Api.Post($"/api/cycles/{cycle}/pay-run/approve", null, role: "payroll")).ShouldBe(202);
        var answered = Stopwatch.StartNew();
        var payment = approval.Json["payments"]!.AsArray().Single()!.IdOf();

        await VisibleWithinBound(answered, "payment sent through Stripe", async () =>
            (await Api.Get($"/api/payments/{payment}", role: "payroll")).ShouldBe(200).Json["status"]!.GetValue<string>() == "sent");
    }

    [Fact]
    public async Task cross_module_read_models_kept_inline_need_no_wait()
    {
        // Eligibility (Visits' view of Contractors): a placement is honoured by the very next visit, a deactivation refuses it.
        var agency = await Api.RegisteredAgency("Sunrise HH");
        var contractor = await Api.OnboardedContractor("Dana Kim");
        (await Api.Post($"/api/contractors/{contractor}/agencies/{agency}")).ShouldBe(200);
        (await Api.LogVisit(Visit(contractor, agency, DaysAgo(1)))).ShouldBe(201);
        (await Api.Post($"/api/contractors/{contractor}/deactivate", new { reason = "Left the agency" })).ShouldBe(200);
        (await Api.LogVisit(Visit(contractor, agency, DaysAgo(1), mrn: "MRN-2"))).Status.ShouldBe(422);
    }
}

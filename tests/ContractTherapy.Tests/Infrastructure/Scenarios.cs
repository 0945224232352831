namespace ContractTherapy.Tests.Infrastructure;

/// <summary>Domain-shaped helpers: the steps tests take on the way to what they check.</summary>
public static class Scenarios
{
    public static async Task<Guid> RegisteredAgency(this Api api, string name = "Sunrise HH", int? paymentTermsDays = null)
    {
        var reply = await api.Post("/api/agencies", new { name, billingEmail = $"ap@{Guid.NewGuid():N}.example", paymentTermsDays });
        return reply.ShouldBe(201).Id;
    }

    public static async Task<Guid> OnboardedContractor(this Api api, string legalName = "Dana Kim", params string[] disciplines)
    {
        var reply = await api.Post("/api/contractors", new
        {
            legalName,
            email = $"{Guid.NewGuid():N}@therapists.example",
            disciplines = disciplines.Length == 0 ? ["PT"] : disciplines,
        });
        return reply.ShouldBe(201).Id;
    }

    public static object Rate(string discipline, string visitType, decimal amount, Guid? agencyId = null) =>
        new { discipline, visitType, amount, agencyId };

    public static async Task<Reply> SetBillRates(this Api api, Guid agencyId, string effectiveFrom, params object[] rates) =>
        await api.Put($"/api/agencies/{agencyId}/bill-rates", new { effectiveFrom, rates });

    public static async Task<Reply> SetPayRates(this Api api, Guid contractorId, string effectiveFrom, params object[] rates) =>
        await api.Put($"/api/contractors/{contractorId}/pay-rates", new { effectiveFrom, rates });

    /// <summary>The tenant's settings with this time zone (bi-weekly cycles from 2026-03-02, signed notes required).</summary>
    public static async Task SetTimeZone(this Api api, string zone) =>
        (await api.Put("/api/settings", new
        {
            billingCycle = new { frequency = "biweekly", firstCycleStartsOn = "2026-03-02" },
            requireSignedNote = true,
            timeZone = zone,
        })).ShouldBe(200);

    public static object W9(string tin = "123-45-6789") => new
    {
        tinType = "SSN",
        tin,
        legalName = "Dana Kim",
        taxClassification = "individual",
        address = new { line1 = "1 Main St", city = "Albany", state = "NY", zip = "12207" },
        certifiedOn = "2026-01-05",
    };
}

public static class VisitScenarios
{
    /// <summary>A contractor onboarded and assigned to the agency, ready to log visits.</summary>
    public static async Task<Guid> PlacedContractor(this Api api, Guid agencyId, string legalName = "Dana Kim", params string[] disciplines)
    {
        var id = await api.OnboardedContractor(legalName, disciplines);
        (await api.Post($"/api/contractors/{id}/agencies/{agencyId}")).ShouldBe(200);
        return id;
    }

    public static string DaysAgo(int days) => TestClock.TodayIn("America/New_York").AddDays(-days).ToString("yyyy-MM-dd");

    public static object Visit(Guid contractorId, Guid agencyId, string visitDate, string visitType = "Routine", string discipline = "PT",
        string patientName = "Jane Doe", string mrn = "MRN-1001", bool noteSigned = true, decimal? miles = null, string? notes = null) =>
        new { contractorId, agencyId, patient = new { name = patientName, mrn }, visitDate, discipline, visitType, miles, notes, noteSigned };

    public static async Task<Reply> LogVisit(this Api api, object visit, string role = "billing", Guid? contractorId = null, string? idempotencyKey = null) =>
        await api.Post("/api/visits", visit, role: role, contractorId: contractorId, idempotencyKey: idempotencyKey);
}

public static class CycleScenarios
{
    /// <summary>Bi-weekly cycles from <paramref name="firstCycleStartsOn"/>, signed notes required, New York.</summary>
    public static async Task CyclesFrom(this Api api, string firstCycleStartsOn, string frequency = "biweekly", bool requireSignedNote = true) =>
        (await api.Put("/api/settings", new
        {
            billingCycle = new { frequency, firstCycleStartsOn },
            requireSignedNote,
            timeZone = "America/New_York",
        })).ShouldBe(200);

    public static async Task<System.Text.Json.Nodes.JsonNode> CurrentCycle(this Api api) =>
        (await api.Get("/api/cycles/current", role: "billing")).ShouldBe(200).Json;

    /// <summary>Closes the cycle and waits until the messages the close sent (pay stubs, visit status) are handled.</summary>
    public static async Task<Reply> CloseCycle(this Api api, Guid cycleId, string role = "billing")
    {
        Reply? reply = null;
        await Wolverine.Tracking.WolverineHostMessageTrackingExtensions.TrackActivity(api.Host)
            .Timeout(TimeSpan.FromSeconds(30))
            .DoNotAssertOnExceptionsDetected()
            .ExecuteAndWaitAsync((Func<Wolverine.IMessageContext, Task>)(async _ => reply = await api.Post($"/api/cycles/{cycleId}/close", null, role: role)));
        return reply!;
    }

    public static async Task<Guid> CloseCurrentCycle(this Api api) =>
        Guid.Parse((await api.CloseCycle(Guid.Parse((await api.CurrentCycle())["id"]!.GetValue<string>()))).ShouldBe(200)
            .Json["cycleId"]!.GetValue<string>());

    public static Guid IdOf(this System.Text.Json.Nodes.JsonNode node) => Guid.Parse(node["id"]!.GetValue<string>());

    public static IReadOnlyList<Guid> Ids(this System.Text.Json.Nodes.JsonNode node, string field) =>
        node[field]!.AsArray().Select(i => Guid.Parse(i!.GetValue<string>())).ToList();
}

public static class PaymentScenarios
{
    /// <summary>Runs <paramref name="action"/> and waits until every message it caused (sends, retries) is handled.</summary>
    public static async Task<Reply> AndWait(this Api api, Func<Task<Reply>> action)
    {
        Reply? reply = null;
        await Wolverine.Tracking.WolverineHostMessageTrackingExtensions.TrackActivity(api.Host)
            .Timeout(TimeSpan.FromSeconds(60))
            .DoNotAssertOnExceptionsDetected()
            .ExecuteAndWaitAsync((Func<Wolverine.IMessageContext, Task>)(async _ => reply = await action()));
        return reply!;
    }

    /// <summary>
    /// A payment of <paramref name="amount"/> to the contractor, sent through the fake Stripe as a pay run sends it: the
    /// contractor placed with a new agency, one routine PT visit at that pay rate on the first day of the open cycle (the
    /// caller sets the tenant's cycles), the cycle closed and its pay run approved. The contractor needs its W-9 on file;
    /// the payout account is linked here. Returns the payment and the transfer that paid it.
    /// </summary>
    public static async Task<(Guid Payment, FakeStripe.Transfer Transfer)> PaidThroughStripe(this Api api, FakeStripe stripe, Guid contractor, decimal amount)
    {
        var agency = await api.RegisteredAgency($"Agency {Guid.NewGuid():N}"[..20]);
        (await api.SetBillRates(agency, "2026-01-01", Scenarios.Rate("PT", "Routine", amount + 25m))).ShouldBe(200);
        (await api.Post($"/api/contractors/{contractor}/agencies/{agency}")).ShouldBe(200);
        (await api.SetPayRates(contractor, "2026-01-01", Scenarios.Rate("PT", "Routine", amount))).ShouldBe(200);
        (await api.Post($"/api/contractors/{contractor}/payout-account", new { stripeAccountId = $"acct_1{Guid.NewGuid():N}"[..16] })).ShouldBe(200);
        var day = (await api.CurrentCycle())["periodStart"]!.GetValue<string>();
        (await api.LogVisit(VisitScenarios.Visit(contractor, agency, day))).ShouldBe(201);
        var cycle = await api.CloseCurrentCycle();
        var approval = (await api.ApprovePayRun(cycle)).ShouldBe(202);
        var payment = Guid.Parse(approval.Json["payments"]!.AsArray().Single(p => p!["contractorId"]!.GetValue<string>() == contractor.ToString())!["id"]!.GetValue<string>());
        (await api.Get($"/api/payments/{payment}", role: "payroll")).Json["status"]!.GetValue<string>().ShouldBe("sent");
        return (payment, stripe.TransfersFor(payment).ShouldHaveSingleItem());
    }

    /// <summary>Delivers a Stripe event to the webhook, signed as Stripe signs it.</summary>
    public static Task<Reply> DeliverStripeEvent(this Api api, string body) =>
        api.Send(HttpMethod.Post, "/api/webhooks/stripe", body, token: null,
            headers: new Dictionary<string, string> { ["Stripe-Signature"] = FakeStripe.Sign(body, TestClock.Instance.GetUtcNow()) });

    /// <summary>Waits until the async projections (the 1099 totals) have caught up with every event.</summary>
    public static async Task ProjectionsCaughtUp(this Api api)
    {
        var store = (Marten.IDocumentStore)api.Host.Services.GetService(typeof(Marten.IDocumentStore))!;
        await using var session = store.QuerySession();
        var target = (await session.QueryAsync<long>("select coalesce(max(seq_id), 0) from contracttherapy.mt_events")).Single();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var progress = (await session.QueryAsync<long>(
                "select coalesce(max(last_seq_id), 0) from contracttherapy.mt_event_progression where name = 'ContractorTaxYear:All'")).Single();
            if (progress >= target) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"The 1099 projection did not reach sequence {target} in 60 s.");
    }

    /// <summary>A 1099-NEC report or export, once the totals have caught up with every payment.</summary>
    public static async Task<Reply> TaxReport(this Api api, string url, string role, Guid? contractorId = null)
    {
        await api.ProjectionsCaughtUp();
        return await api.Get(url, role: role, contractorId: contractorId);
    }

    public static Task<Reply> ApprovePayRun(this Api api, Guid cycleId, string role = "payroll") =>
        api.AndWait(() => api.Post($"/api/cycles/{cycleId}/pay-run/approve", null, role: role));

    /// <summary>A contractor ready to be paid through Stripe: W-9 on file and a linked payout account.</summary>
    public static async Task MakePayable(this Api api, Guid contractorId, string tin = "123-45-6789", string account = "acct_1Payee")
    {
        (await api.Put($"/api/contractors/{contractorId}/w9", Scenarios.W9(tin))).ShouldBe(200);
        (await api.Post($"/api/contractors/{contractorId}/payout-account", new { stripeAccountId = account })).ShouldBe(200);
    }
}

public static class RateLookup
{
    /// <summary>The amount a rate lookup reply lists for the pair, or null when it lists none.</summary>
    public static decimal? AmountOf(Reply reply, string discipline, string visitType) =>
        reply.Json["rates"]!.AsArray()
            .Where(r => r!["discipline"]!.GetValue<string>() == discipline && r["visitType"]!.GetValue<string>() == visitType)
            .Select(r => (decimal?)r!["amount"]!.GetValue<decimal>())
            .SingleOrDefault();
}

using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using ContractTherapy.Shared.Tenancy;

namespace ContractTherapy.Host.Demo;

/// <summary>
/// Seeds the demo tenant of the local run command (Demo:Seed=true) once, through the public API
/// over loopback, so the demo data passes every rule real users' data passes. It does nothing
/// when the demo tenant already has agencies (a second run keeps the data).
/// </summary>
public sealed class DemoSeeder(IHostApplicationLifetime lifetime, IServer server, TimeProvider clock, ILogger<DemoSeeder> logger) : BackgroundService
{
    public const string Tenant = "demo";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var _ = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);

        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null)
        {
            logger.LogWarning("Demo seeding skipped: the server has no address.");
            return;
        }
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(address.Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1")) };
            var seeded = await new DemoData(http, clock).SeedAsync(stoppingToken);
            logger.LogInformation(seeded ? "Demo tenant '{Tenant}' seeded." : "Demo tenant '{Tenant}' already has data; left as it is.", Tenant);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Demo seeding failed.");
        }
    }
}

/// <summary>The demo tenant: the worked example of domain.md §5 and a few more agencies and contractors.</summary>
public sealed class DemoData(HttpClient http, TimeProvider clock)
{
    public async Task<bool> SeedAsync(CancellationToken ct)
    {
        await Authenticate("owner", ct);
        var existing = await http.GetFromJsonAsync<ListReply>("/api/agencies?pageSize=1", ct);
        if (existing?.Total > 0) return false;

        var sunrise = await Create("/api/agencies", new { name = "Sunrise HH", billingEmail = "ap@sunrise-hh.example", paymentTermsDays = 30 }, ct);
        var lakeside = await Create("/api/agencies", new { name = "Lakeside Home Health", billingEmail = "billing@lakeside.example", paymentTermsDays = 45 }, ct);
        var valley = await Create("/api/agencies", new { name = "Valley Care at Home", billingEmail = "payables@valleycare.example" }, ct);

        var today = clock.TodayIn("America/New_York");
        var firstDay = today.AddDays(-7 * Weeks);
        var firstMonday = firstDay.AddDays(-(((int)firstDay.DayOfWeek + 6) % 7));
        await Put("/api/settings", new
        {
            billingCycle = new { frequency = "biweekly", firstCycleStartsOn = firstMonday.ToString("yyyy-MM-dd") },
            requireSignedNote = true,
            timeZone = "America/New_York",
            payer = new
            {
                name = "Demo Therapy Staffing LLC",
                ein = "12-3456789",
                address = new { line1 = "100 State St", city = "Albany", state = "NY", zip = "12207" },
                phone = "518-555-0199",
                email = "books@demo-therapy.example",
            },
        }, ct);

        // Every agency contracts every discipline and visit type; Sunrise's PT rates are the worked example's.
        await Put($"/api/agencies/{sunrise}/bill-rates", new { effectiveFrom = "2025-10-01", rates = BillRates(1.00m) }, ct);
        await Put($"/api/agencies/{lakeside}/bill-rates", new { effectiveFrom = "2025-10-01", rates = BillRates(0.97m) }, ct);
        await Put($"/api/agencies/{valley}/bill-rates", new { effectiveFrom = "2025-10-01", rates = BillRates(1.03m) }, ct);

        var contractors = new[]
        {
            (Name: "Dana Kim", Disciplines: new[] { "PT" }, Tin: "123-45-6789", Stripe: "acct_1DemoDanaKim"),
            (Name: "Sam Ortiz", Disciplines: new[] { "OT", "COTA" }, Tin: "234-56-7890", Stripe: "acct_1DemoSamOrtiz"),
            (Name: "Riley Chen", Disciplines: new[] { "ST" }, Tin: "345-67-8901", Stripe: (string?)null),
            (Name: "Alex Park", Disciplines: new[] { "PT", "PTA" }, Tin: "456-78-9012", Stripe: "acct_1DemoAlexPark"),
        };
        var placed = new List<(Guid Id, string[] Disciplines)>();
        foreach (var c in contractors)
        {
            var id = await Create("/api/contractors", new
            {
                legalName = c.Name,
                email = $"{c.Name.Replace(' ', '.').ToLowerInvariant()}@therapists.example",
                disciplines = c.Disciplines,
                phone = "+1 518 555 0100",
            }, ct);
            await Put($"/api/contractors/{id}/w9", new
            {
                tinType = "SSN",
                tin = c.Tin,
                legalName = c.Name,
                taxClassification = "individual",
                address = new { line1 = "12 Elm St", city = "Albany", state = "NY", zip = "12207" },
                certifiedOn = $"{today.Year - 1}-01-05", // before every payment the demo records, whatever the day it runs
            }, ct);
            foreach (var agency in new[] { sunrise, lakeside, valley })
                await Send(HttpMethod.Post, $"/api/contractors/{id}/agencies/{agency}", null, ct);
            if (c.Stripe is not null)
                await Send(HttpMethod.Post, $"/api/contractors/{id}/payout-account", new { stripeAccountId = c.Stripe }, ct);

            var rates = c.Disciplines.SelectMany(d => VisitTypes.Select(t => R(d, t, PayBase[t]))).ToList();
            if (c.Name == "Dana Kim") rates.Add(new { discipline = "PT", visitType = "Routine", amount = 75m, agencyId = (Guid?)sunrise });
            await Put($"/api/contractors/{id}/pay-rates", new { effectiveFrom = "2025-10-01", rates, mileageRate = 0.70m }, ct);
            placed.Add((id, c.Disciplines));
        }

        await LogWeeksOfVisits(placed, [sunrise, lakeside, valley], firstDay, today, ct);
        await CloseFinishedCycles(today, ct);
        await PayContractors(placed.Select(p => p.Id).ToList(), today, ct);
        return true;
    }

    /// <summary>
    /// Approves the closed cycles' pay runs (without Stripe configured they are held, saying so)
    /// and records earlier payments by hand (<see cref="ManualPayments"/>).
    /// </summary>
    private async Task PayContractors(IReadOnlyList<Guid> contractors, DateOnly today, CancellationToken ct)
    {
        await Authenticate("payroll", ct);
        var cycles = (await (await Send(HttpMethod.Get, "/api/cycles?pageSize=100", null, ct)).Content.ReadFromJsonAsync<CycleList>(ct))!;
        foreach (var cycle in cycles.Items.Where(c => c.Status == "closed"))
            await Send(HttpMethod.Post, $"/api/cycles/{cycle.Id}/pay-run/approve", null, ct);

        foreach (var (contractor, amount, paidOn, method) in ManualPayments(today))
            await Send(HttpMethod.Post, "/api/payments/manual", new
            {
                contractorId = contractors[contractor], amount, paidOn = paidOn.ToString("yyyy-MM-dd"), method,
                reference = $"{method.ToUpperInvariant()}-{paidOn:yyyy-MM-dd}",
            }, ct);
    }

    /// <summary>
    /// The payments recorded by hand (contractor by its place in the seeding, amount, date paid, method): last year's and
    /// this year's, some by card or PayPal, so that the 1099-NEC year the accountant's screen opens on, and last year's,
    /// each have a payee over the highest threshold yet ($2,000), one under it, and excluded amounts. This year's dates are
    /// planned across the year and brought back to today while they are ahead of it: a payment may not be dated in the
    /// future (from January to September some would be).
    /// </summary>
    public static IReadOnlyList<(int Contractor, decimal Amount, DateOnly PaidOn, string Method)> ManualPayments(DateOnly today)
    {
        var year = today.Year;
        DateOnly ThisYear(int month, int day) => new[] { new DateOnly(year, month, day), today }.Min();
        return
        [
            (0, 2400.00m, new DateOnly(year - 1, 12, 19), "ach"), (1, 640.00m, new DateOnly(year - 1, 11, 21), "check"),
            (2, 300.00m, new DateOnly(year - 1, 12, 5), "paypal"),
            (0, 2400.00m, ThisYear(6, 30), "ach"), (1, 1500.00m, ThisYear(6, 30), "check"), (2, 800.00m, ThisYear(7, 15), "paypal"),
            (3, 1800.00m, ThisYear(8, 29), "ach"), (3, 300.00m, ThisYear(9, 12), "card"),
        ];
    }

    private const int Weeks = 6;
    private static readonly string[] VisitTypes = ["Evaluation", "Routine", "Discharge", "Missed"];
    private static readonly Dictionary<string, decimal> BillBase = new() { ["Evaluation"] = 150m, ["Routine"] = 95m, ["Discharge"] = 110m, ["Missed"] = 0m };
    private static readonly Dictionary<string, decimal> PayBase = new() { ["Evaluation"] = 110m, ["Routine"] = 70m, ["Discharge"] = 80m, ["Missed"] = 0m };

    private static object[] BillRates(decimal factor) =>
        new[] { "PT", "PTA", "OT", "COTA", "ST" }
            .SelectMany(d => VisitTypes.Select(t => R(d, t, Math.Round(BillBase[t] * factor * (d is "PTA" or "COTA" ? 0.8m : 1m), 2))))
            .ToArray();

    /// <summary>Closes every cycle whose last day is over, then records an agency's payment of the oldest invoice.</summary>
    private async Task CloseFinishedCycles(DateOnly today, CancellationToken ct)
    {
        await Authenticate("billing", ct);
        while (true)
        {
            var current = (await (await Send(HttpMethod.Get, "/api/cycles/current", null, ct)).Content.ReadFromJsonAsync<CycleReply>(ct))!;
            if (current.PeriodEnd >= today) break;
            await Send(HttpMethod.Post, $"/api/cycles/{current.Id}/close", null, ct);
        }
        var invoices = (await (await Send(HttpMethod.Get, "/api/invoices?pageSize=500", null, ct)).Content.ReadFromJsonAsync<InvoiceList>(ct))!;
        var oldest = invoices.Items.OrderBy(i => i.Number).FirstOrDefault();
        if (oldest is not null)
            await Send(HttpMethod.Post, $"/api/invoices/{oldest.Id}/payments",
                new { amount = oldest.Total, receivedOn = today.ToString("yyyy-MM-dd"), reference = "ACH 000123" }, ct);
    }

    private static readonly (string Name, string Mrn)[] Patients =
    [
        ("Eleanor Vance", "SH-10021"), ("Walter Briggs", "SH-10022"), ("Rosa Delgado", "LK-20417"), ("Harold Finch", "LK-20418"),
        ("Mabel Ortiz", "VC-30901"), ("George Pike", "VC-30902"), ("Irene Adler", "SH-10023"), ("Frank Castle", "LK-20419"),
    ];

    /// <summary>
    /// Weekday visits over the last weeks: an evaluation to start each patient, routine visits,
    /// a discharge now and then; a few notes still unsigned, as in real life.
    /// </summary>
    private async Task LogWeeksOfVisits(List<(Guid Id, string[] Disciplines)> contractors, Guid[] agencies, DateOnly firstDay, DateOnly today,
        CancellationToken ct)
    {
        await Authenticate("billing", ct);
        var random = new Random(20260302);
        for (var day = firstDay; day < today; day = day.AddDays(1))
        {
            if (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) continue;
            for (var c = 0; c < contractors.Count; c++)
            {
                var (contractorId, disciplines) = contractors[c];
                var agencyIndex = (c + day.DayNumber) % agencies.Length;
                var patient = Patients[(c * 2 + day.DayNumber) % Patients.Length];
                var daysIn = day.DayNumber - firstDay.DayNumber;
                var visitType = daysIn < 3 ? "Evaluation" : random.Next(12) == 0 ? "Discharge" : random.Next(20) == 0 ? "Missed" : "Routine";
                await Send(HttpMethod.Post, "/api/visits", new
                {
                    contractorId,
                    agencyId = agencies[agencyIndex],
                    patient = new { name = patient.Name, mrn = patient.Mrn },
                    visitDate = day.ToString("yyyy-MM-dd"),
                    discipline = disciplines[0],
                    visitType,
                    miles = Math.Round((decimal)(random.NextDouble() * 20), 1),
                    noteSigned = random.Next(10) != 0,
                }, ct);
            }
        }
    }

    private static object R(string discipline, string visitType, decimal amount) =>
        new { discipline, visitType, amount, agencyId = (Guid?)null };

    private async Task Authenticate(string role, CancellationToken ct)
    {
        var reply = await http.PostAsJsonAsync("/dev/token", new { tenant = DemoSeeder.Tenant, role, sub = "demo-seeder" }, ct);
        reply.EnsureSuccessStatusCode();
        var token = (await reply.Content.ReadFromJsonAsync<TokenReply>(ct))!.Token;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    private async Task<Guid> Create(string url, object body, CancellationToken ct) =>
        (await (await Send(HttpMethod.Post, url, body, ct)).Content.ReadFromJsonAsync<IdReply>(ct))!.Id;

    private Task<HttpResponseMessage> Put(string url, object body, CancellationToken ct) => Send(HttpMethod.Put, url, body, ct);

    private async Task<HttpResponseMessage> Send(HttpMethod method, string url, object? body, CancellationToken ct)
    {
        HttpResponseMessage reply;
        var attempts = 0;
        // A 409 concurrency problem says "reload and try again": right after a close, the invoice
        // notices are being recorded on the invoices the seeder then records a payment on.
        do
        {
            var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
            reply = await http.SendAsync(request, ct);
        } while (reply.StatusCode == System.Net.HttpStatusCode.Conflict && ++attempts < 5
                 && (await reply.Content.ReadAsStringAsync(ct)).Contains("/problems/concurrency"));
        if (!reply.IsSuccessStatusCode)
            throw new InvalidOperationException($"Demo seeding: {method} {url} answered {(int)reply.StatusCode}: {await reply.Content.ReadAsStringAsync(ct)}");
        return reply;
    }

    private sealed record TokenReply(string Token);

    private sealed record IdReply(Guid Id);

    private sealed record ListReply(long Total);

    private sealed record CycleReply(Guid Id, DateOnly PeriodEnd);

    private sealed record CycleList(IReadOnlyList<CycleItem> Items);

    private sealed record CycleItem(Guid Id, string Status);

    private sealed record InvoiceList(IReadOnlyList<InvoiceItem> Items);

    private sealed record InvoiceItem(Guid Id, string Number, decimal Total);
}

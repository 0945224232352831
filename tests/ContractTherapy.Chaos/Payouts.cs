using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ContractTherapy.Tests.Infrastructure;

namespace ContractTherapy.Chaos;

/// <summary>
/// "Payouts under faults": pay runs sent through a fake Stripe that answers 500, 429, resets the
/// connection, stalls past the client's timeout (with and without making the transfer), while the
/// host is SIGKILLed and started again and Stripe reverses some transfers, its signed webhooks
/// delivered early (before the send is recorded), twice and late (after a restart). At the end,
/// from the fake Stripe's ledger, the API and the event store: every payable stub paid exactly once
/// for its amount in cents, reversals applied once, nothing left requested.
/// </summary>
public static class Payouts
{
    public static readonly Scenario Scenario = new("payouts", Run);

    private const int PgPort = 56100, HostPort = 56110, StripePort = 56120;
    private const string Tenant = "chaos-payouts";
    public static readonly DateOnly FirstMonday = new(2026, 10, 5);

    private sealed record Stub(Guid Id, Guid ContractorId, long Cents);

    public static async Task<ScenarioResult> Run(ChaosOptions options)
    {
        var contractors = options.Short ? 40 : 200;
        var runs = options.Short ? 2 : 5;
        var rng = new Random(options.Seed);
        await using var lab = await Lab.StartAsync("payouts", PgPort);
        await using var stripe = await FakeStripe.StartAsync(StripePort);
        var host = await lab.StartHostAsync(HostPort, new Dictionary<string, string>
        {
            ["Stripe__ApiKey"] = FakeStripe.ApiKey,
            ["Stripe__ApiBase"] = stripe.Url,
            ["Stripe__WebhookSecret"] = FakeStripe.WebhookSecret,
            ["Stripe__TimeoutSeconds"] = "2",
            // 2 ms .. 6 s instead of 200 ms .. 10 min: the run ends in minutes.
            ["Payments__SendRetryScale"] = "0.01",
        });
        var api = new Api(host.Url, TimeSpan.FromSeconds(20));
        var (owner, agency, ids) = await OnboardAsync(api, Tenant, contractors);

        var faults = new FaultSource(options.Seed);
        var webhooks = new Webhooks(api, stripe, new Random(options.Seed + 1));
        var kills = 0;
        var killsWanted = options.Short ? 2 : 5;
        var cycles = new List<Guid>();
        var heldRetried = 0;
        var started = DateTime.UtcNow;

        for (var run = 0; run < runs; run++)
        {
            var weekStart = FirstMonday.AddDays(7 * run);
            var (cycle, stubCount) = await LogWeekAndCloseAsync(api, owner, agency, ids, run, options.Seed);
            cycles.Add(cycle);
            Log.Line($"payouts: run {run + 1}/{runs}: cycle {weekStart:yyyy-MM-dd} closed, {stubCount} pay stubs; approving under faults");

            // Faults on from the approval to the end of the run's sends.
            stripe.RandomFaults = faults.Next;
            webhooks.Enabled = true;
            var killsThisRun = run == runs - 1 ? Math.Max(1, killsWanted - kills) : 1 + (options.Short ? 0 : rng.Next(0, 2));
            var killer = Task.Run(async () =>
            {
                for (var k = 0; k < killsThisRun; k++)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(rng.Next(300, 2500)));
                    host.Kill();
                    Interlocked.Increment(ref kills);
                    Log.Line($"payouts: SIGKILL {kills} (run {run + 1})");
                    await host.StartAsync(TimeSpan.FromSeconds(120));
                    webhooks.FlushLate();
                }
            });

            heldRetried += await ApproveAllAsync(api, owner, cycle, stubCount);
            await killer;
            await WaitNoneRequested(api, owner, TimeSpan.FromMinutes(10));
            stripe.RandomFaults = null;
            Log.Line($"payouts: run {run + 1} sent ({stripe.Transfers.Count} transfers so far, {stripe.Requests} requests)");
        }

        // Late webhooks still withheld go out now; every delivery retries until answered 2xx, as Stripe does.
        webhooks.Enabled = false;
        webhooks.FlushLate();
        await webhooks.DrainAsync(TimeSpan.FromMinutes(3));
        var sendingSeconds = (DateTime.UtcNow - started).TotalSeconds;

        // ---- the checks: Stripe's ledger, the API, the event store ----
        var stubs = new List<Stub>();
        foreach (var cycle in cycles)
            foreach (var s in await api.AllPagesAsync(owner, $"/api/paystubs?cycleId={cycle}"))
            {
                var cents = (long)Math.Round(s["total"]!.GetValue<decimal>() * 100m);
                if (cents > 0) stubs.Add(new Stub(Guid.Parse(s["id"]!.GetValue<string>()), Guid.Parse(s["contractorId"]!.GetValue<string>()), cents));
            }
        var payments = (await api.AllPagesAsync(owner, "/api/payments")).Where(p => p["payStubId"] is not null)
            .ToDictionary(p => Guid.Parse(p["payStubId"]!.GetValue<string>()));
        var transfers = stripe.Transfers.GroupBy(t => t.Metadata.GetValueOrDefault("pay_stub_id") ?? "").ToDictionary(g => g.Key, g => g.ToList());
        var reversedEvents = (await lab.ColumnAsync<Guid>("select stream_id from contracttherapy.mt_events where type = 'payment_reversed'"))
            .GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());

        int lost = 0, doubled = 0, wrongAmount = 0, stuck = 0, wrongStatus = 0, sent = 0, reversed = 0, heldOrFailed = 0;
        var problems = new List<string>();
        foreach (var stub in stubs)
        {
            var paidAtStripe = transfers.GetValueOrDefault(stub.Id.ToString()) ?? [];
            if (paidAtStripe.Count > 1) { doubled++; problems.Add($"stub {stub.Id}: {paidAtStripe.Count} transfers"); }
            if (!payments.TryGetValue(stub.Id, out var payment))
            {
                lost++;
                problems.Add($"stub {stub.Id}: no payment");
                continue;
            }
            var paymentId = Guid.Parse(payment["id"]!.GetValue<string>());
            var status = payment["status"]!.GetValue<string>();
            var reason = payment["heldReason"]?.GetValue<string>() ?? payment["failureReason"]?.GetValue<string>();
            if (paidAtStripe.Count == 0)
            {
                if (status is "held" or "failed" && !string.IsNullOrWhiteSpace(reason)) heldOrFailed++;
                else if (status == "requested") { stuck++; problems.Add($"payment {paymentId}: requested, no transfer"); }
                else { lost++; problems.Add($"payment {paymentId}: {status} without a transfer"); }
                continue;
            }
            var transfer = paidAtStripe[0];
            if (transfer.Amount != stub.Cents) { wrongAmount++; problems.Add($"payment {paymentId}: {transfer.Amount} cents for a stub of {stub.Cents}"); }
            var reversals = reversedEvents.GetValueOrDefault(paymentId);
            if (stripe.Reversed.ContainsKey(transfer.Id))
            {
                if (status == "reversed" && reversals == 1) reversed++;
                else { wrongStatus++; problems.Add($"payment {paymentId}: reversed at Stripe, {status} with {reversals} PaymentReversed"); }
                if (reversals > 1) doubled++;
            }
            else if (status == "sent" && reversals == 0 && payment["stripeTransferId"]?.GetValue<string>() == transfer.Id) sent++;
            else if (status == "requested") { stuck++; problems.Add($"payment {paymentId}: requested although Stripe made {transfer.Id}"); }
            else { wrongStatus++; problems.Add($"payment {paymentId}: {status}, transfer {payment["stripeTransferId"]}, {reversals} PaymentReversed"); }
        }
        var stubIds = stubs.Select(s => s.Id.ToString()).ToHashSet();
        var strays = stripe.Transfers.Count(t => !stubIds.Contains(t.Metadata.GetValueOrDefault("pay_stub_id") ?? ""));
        if (strays > 0) { doubled += strays; problems.Add($"{strays} transfers for no payable stub"); }
        foreach (var p in problems.Take(30)) Log.Line($"payouts: {p}");

        var f = stripe.FaultCounts;
        var passed = lost == 0 && doubled == 0 && wrongAmount == 0 && stuck == 0 && wrongStatus == 0 && kills >= killsWanted
            && stubs.Count >= (options.Short ? 40 : 1000);
        return new ScenarioResult("payouts",
            $"{stubs.Count:N0} payments, {contractors} contractors, {runs} pay runs ({stripe.Requests:N0} Stripe requests, sends done in {sendingSeconds:0} s)",
            $"SIGKILL x{kills}, 500 x{f.GetValueOrDefault("ServerError")}, 429 x{f.GetValueOrDefault("RateLimited")}, reset x{f.GetValueOrDefault("ConnectionReset")}, " +
            $"stall x{f.GetValueOrDefault("StallWithoutCommit")}, commit-then-timeout x{f.GetValueOrDefault("CommitThenStall")}, " +
            $"reversals x{stripe.Reversed.Count}: webhooks delivered x{webhooks.Deliveries} (each twice; 409 before the send was recorded x{webhooks.EarlyRefusals}, " +
            $"late after a restart x{webhooks.Late}, host down x{webhooks.Unreachable})",
            $"{sent:N0} sent, {reversed} reversed (1 PaymentReversed each), {heldOrFailed} held/failed with a reason, {stuck} stuck, {wrongAmount} wrong amount, " +
            $"{wrongStatus} wrong status; {stripe.Transfers.Count:N0} transfers{(heldRetried > 0 ? $"; {heldRetried} held payments retried" : "")}",
            lost, doubled, passed);
    }

    /// <summary>
    /// A tenant ready for pay runs: weekly cycles from <see cref="FirstMonday"/>, one agency with bill
    /// rates, <paramref name="contractors"/> contractors placed with it, each with pay rates (cents that
    /// differ per contractor), a W-9 and a Stripe payout account. Retried through restarts.
    /// </summary>
    public static async Task<(string Owner, Guid Agency, Guid[] Contractors)> OnboardAsync(Api api, string tenant, int contractors)
    {
        var owner = await Api.RetryAsync(() => api.TokenAsync(tenant, "owner"));

        Log.Line($"{tenant}: setting up {contractors} contractors");
        await api.MustAsync(HttpMethod.Put, "/api/settings", owner, new
        {
            billingCycle = new { frequency = "weekly", firstCycleStartsOn = FirstMonday.ToString("yyyy-MM-dd") },
            requireSignedNote = true, timeZone = "America/New_York",
        });
        var agency = Guid.Parse((await api.MustAsync(HttpMethod.Post, "/api/agencies", owner, new { name = "Chaos HH", billingEmail = "ap@chaos.example" }))!["id"]!.GetValue<string>());
        await api.MustAsync(HttpMethod.Put, $"/api/agencies/{agency}/bill-rates", owner, new
        {
            effectiveFrom = "2026-01-01",
            rates = new[] { new { discipline = "PT", visitType = "Routine", amount = 95m }, new { discipline = "PT", visitType = "Evaluation", amount = 150m } },
        });
        var ids = new Guid[contractors];
        await Parallel.ForEachAsync(Enumerable.Range(0, contractors), new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (i, _) =>
        {
            var id = Guid.Parse((await api.MustAsync(HttpMethod.Post, "/api/contractors", owner, new
            {
                legalName = $"Therapist {i:000}", email = $"t{i}@chaos.example", disciplines = new[] { "PT" },
            }, $"contractor-{i}"))!["id"]!.GetValue<string>());
            await api.MustAsync(HttpMethod.Post, $"/api/contractors/{id}/agencies/{agency}", owner);
            // Rates with cents, different per contractor: an amount off by a cent shows.
            await api.MustAsync(HttpMethod.Put, $"/api/contractors/{id}/pay-rates", owner, new
            {
                effectiveFrom = "2026-01-01",
                rates = new[]
                {
                    new { discipline = "PT", visitType = "Routine", amount = 60m + i % 37 + 0.37m },
                    new { discipline = "PT", visitType = "Evaluation", amount = 100m + i % 23 + 0.05m },
                },
            });
            await api.MustAsync(HttpMethod.Put, $"/api/contractors/{id}/w9", owner, new
            {
                tinType = "SSN", tin = $"900-{i / 10000 % 100:00}-{i % 10000:0000}", legalName = $"Therapist {i:000}", taxClassification = "individual",
                address = new { line1 = "1 Main St", city = "Albany", state = "NY", zip = "12207" }, certifiedOn = "2026-01-05",
            });
            await api.MustAsync(HttpMethod.Post, $"/api/contractors/{id}/payout-account", owner, new { stripeAccountId = $"acct_chaos{i:0000}" });
            ids[i] = id;
        });
        return (owner, agency, ids);
    }

    /// <summary>
    /// Week <paramref name="run"/> of pay: 1 to 3 visits per contractor (Routine or Evaluation, seeded),
    /// each with its own key, then the cycle closed. Returns the cycle and how many pay stubs it issued.
    /// </summary>
    public static async Task<(Guid Cycle, int PayStubs)> LogWeekAndCloseAsync(Api api, string owner, Guid agency, Guid[] ids, int run, int seed)
    {
        var weekStart = FirstMonday.AddDays(7 * run);
        var visitRng = new Random(seed + 100 + run);
        var plan = ids.Select((id, i) => (id, i, count: visitRng.Next(1, 4), evals: visitRng.Next(0, 2))).ToList();
        await Parallel.ForEachAsync(plan, new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (p, _) =>
        {
            for (var v = 0; v < p.count; v++)
                await api.MustAsync(HttpMethod.Post, "/api/visits", owner, new
                {
                    contractorId = p.id, agencyId = agency, patient = new { name = "Chaos Patient", mrn = $"MRN-{p.i}-{run}-{v}" },
                    visitDate = weekStart.AddDays(v * 2).ToString("yyyy-MM-dd"), discipline = "PT",
                    visitType = v < p.evals ? "Evaluation" : "Routine", noteSigned = true,
                }, $"visit-{p.i}-{run}-{v}");
        });
        var cycle = Guid.Parse((await api.MustAsync(HttpMethod.Get, "/api/cycles/current", owner))!["id"]!.GetValue<string>());
        var closed = await api.MustAsync(HttpMethod.Post, $"/api/cycles/{cycle}/close", owner);
        return (cycle, closed!["payStubs"]!.AsArray().Count);
    }

    /// <summary>
    /// Approves the cycle's pay run until every stub has its payment: the approval is idempotent, the
    /// payable stubs arrive by message after the close, and a kill may interrupt the request. A payment
    /// held because its payee was recorded by message after the stub is retried (same idempotency
    /// identity). Returns how many held payments were retried.
    /// </summary>
    public static async Task<int> ApproveAllAsync(Api api, string owner, Guid cycle, int stubCount)
    {
        var heldRetried = 0;
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            var approval = await api.MustAsync(HttpMethod.Post, $"/api/cycles/{cycle}/pay-run/approve", owner);
            var approved = approval!["payments"]!.AsArray();
            foreach (var held in approved.Where(p => p!["status"]!.GetValue<string>() == "held"))
            {
                await api.MustAsync(HttpMethod.Post, $"/api/payments/{held!["id"]!.GetValue<string>()}/retry", owner);
                heldRetried++;
            }
            if (approved.Count == stubCount) return heldRetried;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"cycle {cycle}: {approved.Count} of {stubCount} payments after 5 minutes");
            await Task.Delay(500);
        }
    }

    /// <summary>Stripe's misbehaviour, one draw per request, seeded by the run's seed.</summary>
    private sealed class FaultSource(int seed)
    {
        private readonly Random _rng = new(seed + 2);
        private static readonly TimeSpan PastTimeout = TimeSpan.FromSeconds(2.5);

        public FakeStripe.Fault? Next()
        {
            double roll;
            lock (_rng) roll = _rng.NextDouble();
            return roll switch
            {
                < 0.06 => new FakeStripe.ServerError(),
                < 0.11 => new FakeStripe.RateLimited(),
                < 0.15 => new FakeStripe.ConnectionReset(),
                < 0.18 => new FakeStripe.StallWithoutCommit(PastTimeout),
                < 0.21 => new FakeStripe.CommitThenStall(PastTimeout),
                _ => null,
            };
        }
    }

    /// <summary>
    /// Stripe's side of the webhooks: reverses 5 % of the transfers as they are made, then
    /// delivers each signed event twice, retrying each delivery until it is answered 2xx (as Stripe
    /// does). The first delivery of about a third waits for the next restart (late); the others go
    /// at once, usually before the host has recorded the send.
    /// </summary>
    private sealed class Webhooks
    {
        private readonly Api _api;
        private readonly FakeStripe _stripe;
        private readonly Random _rng;
        private readonly HashSet<string> _seen = [];
        private readonly ConcurrentQueue<string> _late = new();
        private readonly List<Task> _deliveries = [];
        private readonly Task _watcher;
        private int _deliveriesDone, _early, _lateCount, _unreachable;
        public volatile bool Enabled;
        private volatile bool _stop;

        public int Deliveries => _deliveriesDone;
        public int EarlyRefusals => _early;
        public int Late => _lateCount;
        public int Unreachable => _unreachable;

        public Webhooks(Api api, FakeStripe stripe, Random rng)
        {
            (_api, _stripe, _rng) = (api, stripe, rng);
            _watcher = Task.Run(WatchAsync);
        }

        private async Task WatchAsync()
        {
            while (!_stop)
            {
                await Task.Delay(100);
                if (!Enabled) continue;
                foreach (var transfer in _stripe.Transfers.OrderBy(t => t.Id))
                {
                    // Every 20th transfer seen (5 %), so even a short run has a few.
                    if (!_seen.Add(transfer.Id) || _seen.Count % 20 != 3) continue;
                    var body = _stripe.Reverse(transfer);
                    if (_rng.NextDouble() < 0.33)
                    {
                        _late.Enqueue(body);
                        Interlocked.Increment(ref _lateCount);
                    }
                    else Start(body);
                }
            }
        }

        public void FlushLate()
        {
            while (_late.TryDequeue(out var body)) Start(body);
        }

        private void Start(string body)
        {
            lock (_deliveries) _deliveries.Add(Task.Run(async () =>
            {
                await DeliverUntilAcceptedAsync(body);
                // Stripe delivers at least once: the same event again, after it was accepted.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 3000)));
                await DeliverUntilAcceptedAsync(body);
            }));
        }

        private async Task DeliverUntilAcceptedAsync(string body)
        {
            var wait = TimeSpan.FromMilliseconds(250);
            for (var attempt = 0; attempt < 200; attempt++)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/stripe")
                    {
                        Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
                    };
                    request.Headers.Add("Stripe-Signature", FakeStripe.Sign(body, DateTimeOffset.UtcNow));
                    using var response = await _api.Http.SendAsync(request);
                    if (response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref _deliveriesDone);
                        return;
                    }
                    if ((int)response.StatusCode == 409) Interlocked.Increment(ref _early);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref _unreachable);
                }
                await Task.Delay(wait);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromSeconds(3).Ticks));
            }
            throw new InvalidOperationException("a webhook was never accepted");
        }

        public async Task DrainAsync(TimeSpan timeout)
        {
            _stop = true;
            await _watcher;
            Task[] all;
            lock (_deliveries) all = [.. _deliveries];
            await Task.WhenAll(all).WaitAsync(timeout);
        }
    }

    public static async Task WaitNoneRequested(Api api, string token, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var page = await api.MustAsync(HttpMethod.Get, "/api/payments?status=requested&pageSize=1", token);
            var left = page!["total"]!.GetValue<int>();
            if (left == 0) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{left} payments still requested after {timeout.TotalMinutes} minutes");
            await Task.Delay(500);
        }
    }
}

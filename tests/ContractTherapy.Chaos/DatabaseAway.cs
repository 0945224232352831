using System.Collections.Concurrent;
using System.Diagnostics;

namespace ContractTherapy.Chaos;

/// <summary>
/// Scenario "database": a steady load of visit writes and reads while PostgreSQL is (a) restarted
/// and (b) stopped for 30 s (10 s with --short), then started. Checks: the host process stays up;
/// while the database is down every answer is a 503 problem-details answer with Retry-After (never
/// a 500, never a request longer than <see cref="Bound"/>); /health/ready says not ready; after the
/// database is back the host serves writes and its projection daemon catches up by itself, in a
/// time measured; every 201 is in the database, once.
/// </summary>
public static class DatabaseAway
{
    public static readonly Scenario Scenario = new("database", Run);

    /// <summary>The longest any request may take, outage or not (the client's timeout is a bit longer).</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private sealed class Window
    {
        public volatile bool Down;
        public readonly ConcurrentDictionary<string, int> DuringOutage = new();
        public int Violations;
        public readonly ConcurrentBag<string> Examples = [];
        public int ReadyWhileDown;
        public int NotReadyWhileDown;
    }

    private static async Task<ScenarioResult> Run(ChaosOptions options)
    {
        var stopFor = TimeSpan.FromSeconds(options.Short ? 10 : 30);
        var steady = TimeSpan.FromSeconds(options.Short ? 5 : 10);
        await using var lab = await Lab.StartAsync("database", 56200);
        var host = await lab.StartHostAsync(56211);
        var load = await VisitLoad.PrepareAsync(host.Url, "chaos-database", contractors: 20, timeout: Bound + TimeSpan.FromSeconds(5));
        var window = new Window();
        var stop = new CancellationTokenSource();
        var reads = new ConcurrentDictionary<string, int>();

        async Task Observe(Func<Task<(int Status, HttpResponseMessage? Response)>> send)
        {
            var down = window.Down;
            var clock = Stopwatch.StartNew();
            var (status, response) = await send();
            var took = clock.Elapsed;
            var kind = status == 0 ? "no answer" : status.ToString();
            if (took > Bound) { Interlocked.Increment(ref window.Violations); window.Examples.Add($"{kind} after {took.TotalSeconds:0.0} s"); }
            if (status >= 500 && status != 503 || status == 0) { Interlocked.Increment(ref window.Violations); window.Examples.Add(kind); }
            if (status == 503)
            {
                var problem = response!.Content.Headers.ContentType?.MediaType == "application/problem+json";
                var retryAfter = response.Headers.RetryAfter is not null;
                if (!problem || !retryAfter) { Interlocked.Increment(ref window.Violations); window.Examples.Add($"503 problem={problem} retry-after={retryAfter}"); }
            }
            if (down && window.Down)
            {
                window.DuringOutage.AddOrUpdate(kind, 1, (_, c) => c + 1);
                if (status != 503) { Interlocked.Increment(ref window.Violations); window.Examples.Add($"{kind} while the database was down"); }
            }
        }

        var writers = Enumerable.Range(0, 8).Select(async _ =>
        {
            await Task.Yield();
            while (!stop.IsCancellationRequested)
            {
                var attempt = load.Next();
                await Observe(async () => { var (s, _, r) = await load.SendAsync(attempt); return (s, r); });
                await Task.Delay(10);
            }
        }).ToList();
        var readers = Enumerable.Range(0, 4).Select(async i =>
        {
            await Task.Yield();
            while (!stop.IsCancellationRequested)
            {
                var path = load.LastCreated is { } id && i % 2 == 0 ? $"/api/visits/{id}" : "/api/visits?pageSize=20";
                await Observe(async () =>
                {
                    try
                    {
                        var (s, _, r) = await load.Api.SendAsync(HttpMethod.Get, path, load.Token);
                        reads.AddOrUpdate(s.ToString(), 1, (_, c) => c + 1);
                        return (s, r);
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        reads.AddOrUpdate("no answer", 1, (_, c) => c + 1);
                        return (0, null);
                    }
                });
                await Task.Delay(20);
            }
        }).ToList();
        var health = Task.Run(async () =>
        {
            using var http = new HttpClient { Timeout = Bound };
            while (!stop.IsCancellationRequested)
            {
                var down = window.Down;
                try
                {
                    var ok = (await http.GetAsync($"{host.Url}/health/ready")).IsSuccessStatusCode;
                    if (down && window.Down) Interlocked.Increment(ref ok ? ref window.ReadyWhileDown : ref window.NotReadyWhileDown);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
                await Task.Delay(250);
            }
        });

        await Task.Delay(steady);
        // (a) a restart: pg_ctl stop (fast: connections are terminated, 57P01) and start.
        var restartClock = Stopwatch.StartNew();
        await lab.StopDatabaseAsync();
        await lab.StartDatabaseAsync();
        var restart = restartClock.Elapsed;
        var recoveredAfterRestart = await RecoveredAsync(load, lab);
        Log.Line($"restart took {restart.TotalSeconds:0.0} s; writes answered 201 again {recoveredAfterRestart.TotalSeconds:0.0} s after");
        await Task.Delay(steady);

        // (b) stopped for a while.
        await lab.StopDatabaseAsync();
        window.Down = true;
        await Task.Delay(stopFor);
        window.Down = false;
        await lab.StartDatabaseAsync();
        var recoveredAfterStop = await RecoveredAsync(load, lab);
        Log.Line($"after the stop, writes answered 201 again {recoveredAfterStop.TotalSeconds:0.0} s after the start");
        var daemon = await DaemonCaughtUpAsync(lab);
        await Task.Delay(steady);

        stop.Cancel();
        await Task.WhenAll(writers.Concat(readers).Append(health));
        var writeStatuses = load.Summary();
        var stayedUp = host.Running && host.Starts == 1;
        var retry = await load.RetryAllAsync(TimeSpan.FromMinutes(4));
        var check = await load.CheckAsync(lab);
        var lost = check.Missing + check.HalfWritten + retry.Unresolved + retry.Refused;
        var doubled = check.Extra + retry.OtherVisit;
        var healthOk = window.ReadyWhileDown == 0 && window.NotReadyWhileDown > 0;
        var passed = lost == 0 && doubled == 0 && window.Violations == 0 && stayedUp && healthOk && daemon is not null;
        foreach (var example in window.Examples.Distinct().Take(10)) Log.Line($"violation: {example}");
        return new ScenarioResult("database",
            $"8 writers + 4 readers, {load.Sent:N0} writes, {reads.Values.Sum():N0} reads",
            $"PostgreSQL restarted ({restart.TotalSeconds:0.0} s), then stopped {stopFor.TotalSeconds:0} s",
            $"writes {writeStatuses}; reads {string.Join(", ", reads.OrderBy(r => r.Key).Select(r => $"{r.Key}: {r.Value:N0}"))}; " +
            $"while stopped: {string.Join(", ", window.DuringOutage.OrderBy(r => r.Key).Select(r => $"{r.Key}: {r.Value:N0}"))} (all 503 + Retry-After: {(window.Violations == 0 ? "yes" : $"no, {window.Violations} violations")}), " +
            $"slowest request {load.Slowest.TotalSeconds:0.0} s (bound {Bound.TotalSeconds:0} s); /health/ready not ready {window.NotReadyWhileDown}/{window.NotReadyWhileDown + window.ReadyWhileDown} polls while down; " +
            $"host {(stayedUp ? "stayed up (1 start)" : "DID NOT stay up")}; writes back {recoveredAfterRestart.TotalSeconds:0.0} s after the restart, {recoveredAfterStop.TotalSeconds:0.0} s after the start; " +
            $"projection daemon caught up {(daemon is { } d ? $"{d.TotalSeconds:0.0} s" : "NOT within 60 s")} after; " +
            $"retried {retry.Sent:N0} ({retry.SameVisit:N0} same visit, {retry.Replayed:N0} committed before a 503, {retry.Created:N0} created, {retry.Refused} refused); " +
            $"database: {check.Events:N0} visit_logged = {check.Documents:N0} documents, {check.HalfWritten} half-written, {check.Missing} acknowledged missing",
            lost, doubled, passed);
    }

    /// <summary>Time until a new visit is answered 201 again (the host's pools and agents reconnect by themselves).</summary>
    private static async Task<TimeSpan> RecoveredAsync(VisitLoad load, Lab lab)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            var (status, _, _) = await load.SendAsync(load.Next());
            if (status == 201) return clock.Elapsed;
            await Task.Delay(100);
        }
        throw new TimeoutException("The host did not serve writes within 120 s of the database being back.");
    }

    /// <summary>
    /// Time until the async daemon's high-water mark reaches the last event appended: the daemon
    /// survived the outage and resumed (null when it did not within 60 s).
    /// </summary>
    private static async Task<TimeSpan?> DaemonCaughtUpAsync(Lab lab)
    {
        var clock = Stopwatch.StartNew();
        var target = await lab.LastEventAsync();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var mark = await lab.ScalarAsync<long>(
                "select coalesce(max(last_seq_id), 0) from contracttherapy.mt_event_progression where name = 'HighWaterMark'");
            if (mark >= target) return clock.Elapsed;
            await Task.Delay(250);
        }
        return null;
    }
}

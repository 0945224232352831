using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace ContractTherapy.Chaos;

/// <summary>
/// Scenario "visits-crash": visits logged at full speed by 32 clients, each a new visit with its own
/// Idempotency-Key, while the host is killed with SIGKILL (several times) and started again. Then
/// every request whose answer was lost and every 201 is retried with its key. Checks, from the
/// database: every 201 is there exactly once, no event without its document or the reverse, every
/// retry of a 201 returns that visit, every key ends with one visit at most.
/// </summary>
public static class VisitsCrash
{
    public static readonly Scenario Scenario = new("visits-crash", Run);

    private static async Task<ScenarioResult> Run(ChaosOptions options)
    {
        var random = new Random(options.Seed);
        var clients = 32;
        var duration = TimeSpan.FromSeconds(options.Short ? 40 : 120);
        var kills = options.Short ? 2 : 5;

        await using var lab = await Lab.StartAsync("visits-crash", 56200);
        var host = await lab.StartHostAsync(56210);
        var load = await VisitLoad.PrepareAsync(host.Url, "chaos-visits", contractors: 40);

        // Kill moments spread over the run (each in its own slice, at a random point of it).
        var slice = duration / (kills + 1);
        var moments = Enumerable.Range(1, kills).Select(i => slice * i + slice * (random.NextDouble() - 0.5) * 0.8).ToList();
        var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(_ => load.WriterAsync(stop.Token)).ToList();
        var downtime = TimeSpan.Zero;
        foreach (var moment in moments)
        {
            var wait = moment - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            host.Kill();
            Log.Line($"SIGKILL at {clock.Elapsed.TotalSeconds:0.0} s ({load.Created} created so far)");
            var down = Stopwatch.StartNew();
            await host.StartAsync();
            downtime += down.Elapsed;
        }
        var rest = duration - clock.Elapsed;
        if (rest > TimeSpan.Zero) await Task.Delay(rest);
        stop.Cancel();
        await Task.WhenAll(workers);
        Log.Line($"load done: {load.Summary()}; retrying every 201 and every lost answer with its key");
        var (answered201, answersLost) = (load.Created, load.Uncertain);

        var retry = await load.RetryAllAsync(TimeSpan.FromMinutes(4));
        var check = await load.CheckAsync(lab);
        var lost = check.Missing + check.HalfWritten + retry.Unresolved + retry.Refused;
        var doubled = check.Extra + retry.OtherVisit;
        var rate = answered201 / duration.TotalSeconds;
        return new ScenarioResult("visits-crash",
            $"{clients} clients, {duration.TotalSeconds:0} s, {load.Sent:N0} requests ({rate:0}/s created), {load.Contractors} contractors",
            $"{kills} x SIGKILL mid-load + restart (down {downtime.TotalSeconds:0.0} s in all)",
            $"{answered201:N0} answered 201, {answersLost:N0} answers lost; other: {load.OtherStatuses()}; " +
            $"retried {retry.Sent:N0}: {retry.SameVisit:N0} x the same visit as the first 201, {retry.Replayed:N0} x a visit committed before its answer was lost, {retry.Created:N0} created (never ran), {retry.InProgress:N0} x 409 in progress (Retry-After honoured), " +
            $"{retry.Refused:N0} refused, {retry.OtherVisit:N0} another visit, {retry.Unresolved:N0} unresolved; " +
            $"database: {check.Events:N0} visit_logged = {check.Documents:N0} documents, {check.HalfWritten} half-written, {check.Missing} acknowledged missing, {check.Extra} extra",
            lost, doubled, lost == 0 && doubled == 0);
    }
}

/// <summary>
/// The visit load both scenarios drive: new visits (a unique MRN each, so the duplicate guard never
/// refuses them; many contractors), each with its own Idempotency-Key, and the bookkeeping of what
/// each request got.
/// </summary>
public sealed class VisitLoad
{
    public sealed record Attempt(string Key, object Body);

    private readonly Api _api;
    private readonly string _token;
    private readonly Guid _agency;
    private readonly List<Guid> _contractors;
    private readonly string _tenant;
    private int _sequence;
    private readonly DateOnly _today = DateOnly.FromDateTime(DateTime.UtcNow);

    /// <summary>Key -> the visit id its first 201 named.</summary>
    public ConcurrentDictionary<string, Guid> Acknowledged { get; } = new();
    /// <summary>Requests with no answer (connection reset, refused, timed out): outcome unknown.</summary>
    public ConcurrentDictionary<string, Attempt> Lost { get; } = new();
    /// <summary>Requests answered 503 (the database was away): outcome unknown until retried.</summary>
    public ConcurrentDictionary<string, Attempt> Unavailable { get; } = new();
    private readonly ConcurrentDictionary<string, Attempt> _bodies = new();
    public ConcurrentDictionary<string, int> Statuses { get; } = new();
    public int Sent => _sequence;
    public int Created => Acknowledged.Count;
    public int Uncertain => Lost.Count;
    public int Contractors => _contractors.Count;
    public TimeSpan Slowest { get; private set; }
    public Guid? LastCreated { get; private set; }

    private VisitLoad(Api api, string token, string tenant, Guid agency, List<Guid> contractors) =>
        (_api, _token, _tenant, _agency, _contractors) = (api, token, tenant, agency, contractors);

    public static async Task<VisitLoad> PrepareAsync(string url, string tenant, int contractors, TimeSpan? timeout = null)
    {
        var api = new Api(url, timeout ?? TimeSpan.FromSeconds(30));
        var token = await api.TokenAsync(tenant, "owner");
        var agency = Guid.Parse((await api.OkAsync(HttpMethod.Post, "/api/agencies", token,
            new { name = "Chaos Home Health", billingEmail = "ap@chaos.example" }))!["id"]!.GetValue<string>());
        var ids = new List<Guid>();
        for (var i = 0; i < contractors; i++)
        {
            var id = Guid.Parse((await api.OkAsync(HttpMethod.Post, "/api/contractors", token,
                new { legalName = $"Therapist {i}", email = $"t{i}@chaos.example", disciplines = new[] { "PT" } }))!["id"]!.GetValue<string>());
            await api.OkAsync(HttpMethod.Post, $"/api/contractors/{id}/agencies/{agency}", token);
            ids.Add(id);
        }
        return new VisitLoad(api, token, tenant, agency, ids);
    }

    public Api Api => _api;
    public string Token => _token;

    public Attempt Next()
    {
        var n = Interlocked.Increment(ref _sequence);
        var body = new
        {
            contractorId = _contractors[n % _contractors.Count],
            agencyId = _agency,
            patient = new { name = $"Patient {n}", mrn = $"MRN-{n:D8}" },
            visitDate = _today.AddDays(-(1 + n % 200)).ToString("yyyy-MM-dd"),
            discipline = "PT",
            visitType = "Routine",
            noteSigned = true,
        };
        var attempt = new Attempt($"chaos-{n}-{Guid.NewGuid():N}", body);
        _bodies[attempt.Key] = attempt;
        return attempt;
    }

    /// <summary>One POST; returns the status (0 = no answer) and records it.</summary>
    public async Task<(int Status, Guid? Id, HttpResponseMessage? Response)> SendAsync(Attempt attempt, bool record = true)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var (status, json, response) = await _api.SendAsync(HttpMethod.Post, "/api/visits", _token, attempt.Body, attempt.Key);
            if (clock.Elapsed > Slowest) Slowest = clock.Elapsed;
            Guid? id = status == 201 ? Guid.Parse(json!["id"]!.GetValue<string>()) : null;
            if (record)
            {
                Statuses.AddOrUpdate(status.ToString(), 1, (_, c) => c + 1);
                if (id is { } v) { Acknowledged.TryAdd(attempt.Key, v); LastCreated = v; }
                else if (status >= 500) Unavailable[attempt.Key] = attempt;
            }
            return (status, id, response);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            if (clock.Elapsed > Slowest) Slowest = clock.Elapsed;
            if (record)
            {
                Lost[attempt.Key] = attempt;
                Statuses.AddOrUpdate(e is TaskCanceledException ? "timeout" : "no answer", 1, (_, c) => c + 1);
            }
            return (0, null, null);
        }
    }

    /// <summary>Logs new visits back to back until stopped; pauses briefly while the host is unreachable.</summary>
    public async Task WriterAsync(CancellationToken stop)
    {
        await Task.Yield();
        while (!stop.IsCancellationRequested)
        {
            var (status, _, _) = await SendAsync(Next());
            if (status is 0 or 503) await Task.Delay(100, CancellationToken.None);
        }
    }

    public string OtherStatuses() =>
        string.Join(", ", Statuses.Where(s => s.Key != "201").OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value:N0}")) is { Length: > 0 } t ? t : "none";

    public string Summary() => string.Join(", ", Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value:N0}"));

    public sealed record RetryOutcome(int Sent, int SameVisit, int Replayed, int Created, int InProgress, int Refused, int OtherVisit, int Unresolved);

    /// <summary>
    /// Retries every 201 and every request without a final answer (no answer, 503) with its key and
    /// body, until each has a final answer: a 409 "in progress" (a reservation of a killed process)
    /// is retried after its Retry-After. A retry of a 201 must return the same visit.
    /// </summary>
    public async Task<RetryOutcome> RetryAllAsync(TimeSpan deadline)
    {
        var work = new ConcurrentQueue<string>(Acknowledged.Keys.Concat(Lost.Keys).Concat(Unavailable.Keys).Distinct());
        int sent = 0, same = 0, replayed = 0, created = 0, inProgress = 0, refused = 0, other = 0;
        var waiting = new ConcurrentBag<(string Key, DateTime At)>();
        var end = DateTime.UtcNow + deadline;
        var pending = new ConcurrentDictionary<string, bool>(work.Select(k => KeyValuePair.Create(k, true)));
        while (!pending.IsEmpty && DateTime.UtcNow < end)
        {
            var round = pending.Keys.ToList();
            var retryAt = new ConcurrentBag<DateTime>();
            await Parallel.ForEachAsync(round, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (key, _) =>
            {
                Interlocked.Increment(ref sent);
                var (status, id, response) = await SendAsync(_bodies[key], record: false);
                if (status == 201)
                {
                    pending.TryRemove(key, out var _);
                    if (Acknowledged.TryGetValue(key, out var first))
                    {
                        if (first == id) Interlocked.Increment(ref same);
                        else { Interlocked.Increment(ref other); Log.Line($"retry of {key} answered visit {id}, the first 201 said {first}"); }
                    }
                    else
                    {
                        // Replayed: the first attempt had committed (its answer was lost on the way); else it never ran.
                        if (response!.Headers.Contains("Idempotent-Replayed")) Interlocked.Increment(ref replayed);
                        else Interlocked.Increment(ref created);
                        Acknowledged[key] = id!.Value;
                    }
                }
                else if (status == 409 && response!.Headers.RetryAfter?.Delta is { } delay)
                {
                    Interlocked.Increment(ref inProgress);
                    retryAt.Add(DateTime.UtcNow + delay);
                }
                else if (status is 0 or 503)
                {
                    retryAt.Add(DateTime.UtcNow.AddSeconds(1));
                }
                else
                {
                    pending.TryRemove(key, out var _);
                    Interlocked.Increment(ref refused);
                    Log.Line($"retry of {key} answered {status}");
                }
            });
            if (!pending.IsEmpty)
            {
                var next = retryAt.IsEmpty ? DateTime.UtcNow.AddSeconds(1) : retryAt.Min();
                var pause = next - DateTime.UtcNow;
                if (pause > TimeSpan.Zero)
                {
                    Log.Line($"{pending.Count} retries wait {pause.TotalSeconds:0} s (Retry-After)");
                    await Task.Delay(pause < end - DateTime.UtcNow ? pause : end - DateTime.UtcNow);
                }
            }
        }
        return new RetryOutcome(sent, same, replayed, created, inProgress, refused, other, pending.Count);
    }

    public sealed record DatabaseCheck(long Events, long Documents, int HalfWritten, int Missing, int Extra);

    /// <summary>
    /// From the database: each acknowledged visit exactly once (by id, event and document), no event
    /// without its document or the reverse, no visit that no key claims (a second visit for one key).
    /// </summary>
    public async Task<DatabaseCheck> CheckAsync(Lab lab)
    {
        var eventIds = await lab.ColumnAsync<Guid>(
            "select stream_id from contracttherapy.mt_events where tenant_id = $1 and type = 'visit_logged'", _tenant);
        var docIds = await lab.ColumnAsync<Guid>("select id from contracttherapy.mt_doc_visit where tenant_id = $1", _tenant);
        var events = eventIds.ToHashSet();
        var docs = docIds.ToHashSet();
        var halfWritten = events.Except(docs).Count() + docs.Except(events).Count() + (eventIds.Count - events.Count);
        var claimed = Acknowledged.Values.ToHashSet();
        var missing = claimed.Count(id => !events.Contains(id) || !docs.Contains(id));
        // Each key names one visit; a visit no key names is one a retry created a second time.
        var extra = events.Except(claimed).Count() + (Acknowledged.Count - claimed.Count);
        return new DatabaseCheck(eventIds.Count, docIds.Count, halfWritten, missing, extra);
    }
}

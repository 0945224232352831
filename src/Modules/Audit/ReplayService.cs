using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Aggregation;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace ContractTherapy.Audit;

/// <summary>A document that differs: missing on one side, or different in the listed JSON paths (live value, replayed value).</summary>
public sealed record ProjectionDifference(string Tenant, string Id, string Kind, IReadOnlyList<string>? Fields = null);

/// <summary><see cref="FoldedAgain"/>: documents an event reached after they were compared, folded again from their first event.</summary>
public sealed record ProjectionReplay(string Name, int Documents, bool Identical, IReadOnlyList<ProjectionDifference> Differences, int FoldedAgain = 0);

/// <summary>
/// <see cref="HighWaterMark"/>: the last event replayed; events recorded after it (the system kept taking
/// writes) are counted in <see cref="EventsAfterHighWaterMark"/>, and documents they changed may differ.
/// <see cref="Phases"/>: milliseconds spent setting up, folding the events (and comparing as it goes), folding
/// again the documents an event reached after they had been compared, and finishing the comparison.
/// <see cref="Busy"/>: milliseconds each part of the work took in all, summed over the threads doing it (they overlap:
/// reading the events, folding them, serializing and comparing the documents, and the time the folding waited for pages
/// or for room in the comparison queue).
/// </summary>
public sealed record ReplayReport(long HighWaterMark, long Events, long EventsAfterHighWaterMark, long ElapsedMilliseconds,
    IReadOnlyList<ProjectionReplay> Projections, IReadOnlyDictionary<string, long>? Phases = null, IReadOnlyDictionary<string, long>? Busy = null);

/// <summary>
/// Replay and verify: every event up to now is run again through every projection of a store configured
/// exactly like the live one (inline and async projections alike), and every projected document is compared
/// with the live one, field by field. Live data is only read; nothing is written anywhere.
/// </summary>
/// <remarks>
/// How (ops/bench/README.md, "Replay and verify"): the events are read once, in order, in pages, by Marten's daemon
/// event loader's query (without its join to the streams unless a projection filters on its stream type); each page
/// goes to every projection through the projection's own slicer and its own aggregation (<c>DetermineActionAsync</c>,
/// metadata and identity as the daemon applies them), exactly what the daemon runs in a rebuild, but the documents
/// are kept in the host instead of being written to a table. A document leaves memory once the events have moved
/// past it (the least recently touched go first, beyond
/// <see cref="InFlightLimit"/> per projection) and is compared, a thousand at a time, with the live documents of
/// the same ids: PostgreSQL matches them by tenant and id and compares the jsonb, so only a pair that differs
/// comes back, and it is then compared through the document type as before. A document that an event reaches
/// after it was compared (rare: a visit corrected long after it was logged) is folded again in a second pass
/// from its first event, and only that comparison counts. Live documents that no event produced are found by
/// counting, then by listing their ids when the count is off.
/// </remarks>
public sealed class ReplayService(StoreBlueprint blueprint)
{
    /// <summary>The most field paths listed for one document.</summary>
    private const int MaxFields = 10;


    /// <summary>Documents compared in one statement.</summary>
    internal const int CompareBatch = 1_000;

    /// <summary>
    /// The most documents of one projection held in memory while the events are folded; beyond it the least recently
    /// touched are compared and let go. Tests set it low to exercise the second pass.
    /// </summary>
    public int InFlightLimit { get; init; } = 20_000;

    /// <summary>Events per page read by the daemon's loader (a document leaves memory between pages, never within one).</summary>
    public int PageSize { get; init; } = 2_000;

    public async Task<ReplayReport> RunAsync(CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var phases = new Dictionary<string, long>();
        // A store of its own, configured like the live one and reading the live schema: its projections are fresh
        // instances (the live daemon's are left alone), and it never creates or changes anything in the database.
        using var store = DocumentStore.For(opts =>
        {
            blueprint.Configure(opts, blueprint.Schema);
            opts.AutoCreateSchemaObjects = AutoCreate.None;
        });
        var (highWater, events) = await HighWater(ct);

        var projections = store.Options.Projections.All;
        var replayers = projections.Select(p => ProjectionReplayers.For(p, store, blueprint.Schema, InFlightLimit)).ToList();
        var covered = replayers.Select(r => r.DocumentType).ToHashSet();
        var uncovered = projections.SelectMany(p => p.PublishedTypes()).Where(t => !covered.Contains(t)).ToList();
        if (uncovered.Count > 0)
            throw new NotSupportedException($"Replay covers aggregations only; not covered: {string.Join(", ", uncovered.Select(t => t.Name))}");
        phases["setup"] = watch.ElapsedMilliseconds;

        var busy = new Busy();
        await using var comparer = new Comparer(blueprint.ConnectionString, store.Options.Serializer(), busy, ct);
        var loader = Loader(store, replayers, PageSize);
        try
        {
            await Pass(loader, store, highWater, PageSize, replayers, refold: false, comparer, busy, ct);
            phases["fold"] = watch.ElapsedMilliseconds - phases.Values.Sum();

            var again = replayers.Where(r => r.Dirty > 0).ToList();
            if (again.Count > 0) await Pass(loader, store, highWater, PageSize, again, refold: true, comparer, busy, ct);
            phases["refold"] = watch.ElapsedMilliseconds - phases.Values.Sum();

            await comparer.CompleteAsync();
            var results = new List<ProjectionReplay>();
            foreach (var replayer in replayers)
                results.Add(await replayer.FinishAsync(blueprint.ConnectionString, ct));
            phases["compare"] = watch.ElapsedMilliseconds - phases.Values.Sum();

            var latest = (await HighWater(ct)).HighWater;
            return new ReplayReport(highWater, events, latest - highWater, watch.ElapsedMilliseconds, results, phases, busy.Milliseconds());
        }
        finally
        {
            foreach (var replayer in replayers) await replayer.DisposeAsync();
        }
    }

    /// <summary>
    /// The events the projections read, in the union of what their own loaders would (their event types, archived
    /// events only if one of them reads those); each projection then keeps what its own loader would have given it.
    /// Marten's daemon loader's query without its join to the streams (<see cref="EventsWithoutStreams"/>) when no
    /// projection filters on its stream type, else Marten's loader itself.
    /// </summary>
    internal IEventLoader Loader(DocumentStore store, IReadOnlyList<IProjectionReplayer> replayers, int pageSize)
    {
        var filter = Filter(replayers);
        if (EventsWithoutStreams.Applies(store, replayers.Any(r => r.FiltersOnStreamType)))
            return new EventsWithoutStreams(store, filter, pageSize, blueprint.ConnectionString);
        var events = (IEventStore<IDocumentOperations, IQuerySession>)store;
        return events.BuildEventLoader((IEventDatabase)store.Storage.Database, NullLogger.Instance, filter, new AsyncOptions { BatchSize = pageSize });
    }

    internal static EventFilterable Filter(IReadOnlyList<IProjectionReplayer> replayers)
    {
        var filter = new EventFilterable { IncludeArchivedEvents = replayers.Any(r => r.IncludesArchived) };
        var types = replayers.Select(r => r.EventTypes).ToList();
        if (types.All(t => t is not null))
            foreach (var type in types.SelectMany(t => t!).Distinct()) filter.IncludeType(type);
        return filter;
    }

    /// <summary>
    /// One pass over the events up to <paramref name="highWater"/>: the next page is read while the projections fold
    /// the current one, each projection on its own (they share nothing but the events).
    /// </summary>
    private static async Task Pass(IEventLoader loader, DocumentStore store, long highWater, int pageSize, IReadOnlyList<IProjectionReplayer> replayers,
        bool refold, Comparer comparer, Busy busy, CancellationToken ct)
    {
        var pages = Channel.CreateBounded<IReadOnlyList<IEvent>>(2);
        var errors = store.Options.Projections.RebuildErrors;
        // A fold that fails stops the reading too (it would wait for room in the channel forever).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reading = Task.Run(async () =>
        {
            try
            {
                for (long floor = 0; floor < highWater;)
                {
                    var started = Stopwatch.GetTimestamp();
                    var page = await loader.LoadAsync(new EventRequest
                    {
                        Floor = floor, HighWater = highWater, BatchSize = pageSize, ErrorOptions = errors, Name = Shard, Metrics = NoMetrics.Instance,
                    }, stop.Token);
                    busy.Add("read", started);
                    if (page.Count > 0) await pages.Writer.WriteAsync(page, stop.Token);
                    floor = page.Ceiling;
                }
                pages.Writer.Complete();
            }
            catch (Exception e)
            {
                pages.Writer.Complete(e);
            }
        }, stop.Token);
        try
        {
            for (var waiting = Stopwatch.GetTimestamp(); await pages.Reader.WaitToReadAsync(stop.Token); waiting = Stopwatch.GetTimestamp())
            {
                busy.Add("waitForPages", waiting);
                while (pages.Reader.TryRead(out var page))
                    await Task.WhenAll(replayers.Select(r => Task.Run(async () =>
                    {
                        var started = Stopwatch.GetTimestamp();
                        await r.FoldAsync(page, refold, comparer, stop.Token);
                        busy.Add("fold", started);
                    }, stop.Token)));
            }
            await Task.WhenAll(replayers.Select(r => r.EndPassAsync(refold, comparer, stop.Token)));
        }
        finally
        {
            await stop.CancelAsync();
            await reading;
        }
    }

    private static readonly ShardName Shard = new("Replay");

    /// <summary>The loader reports its pages to a daemon's metrics; the replay has no daemon.</summary>
    internal sealed class NoMetrics : ISubscriptionMetrics
    {
        public static readonly NoMetrics Instance = new();
        public Activity? TrackExecution(EventRange page) => null;
        public Activity? TrackLoading(EventRequest request) => null;
        public Activity? TrackGrouping(EventRange page) => null;
        public void UpdateGap(long highWaterMark, long lastCeiling) { }
        public void UpdateProcessed(long count) { }
        public void IncrementSkips() { }
    }

    /// <summary>The newest event and the number of events up to it, read in one statement.</summary>
    private async Task<(long HighWater, long Events)> HighWater(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(blueprint.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"select coalesce(max(seq_id), 0), count(*) from {blueprint.Schema}.mt_events", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>A stored document as its type reads and writes it (what the comparison always compared).</summary>
    internal static JsonNode? Normalized(ISerializer serializer, Type type, string json)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return JsonNode.Parse(serializer.ToJson(serializer.FromJson(type, stream)));
    }

    internal static List<string> Diff(JsonNode? live, JsonNode? replayed, string path)
    {
        if (JsonNode.DeepEquals(live, replayed)) return [];
        if (live is JsonObject a && replayed is JsonObject b)
            return a.Select(p => p.Key).Union(b.Select(p => p.Key)).SelectMany(k => Diff(a[k], b[k], $"{path}.{k}")).Take(MaxFields).ToList();
        if (live is JsonArray x && replayed is JsonArray y && x.Count == y.Count)
            return x.Select((item, i) => Diff(item, y[i], $"{path}[{i}]")).SelectMany(d => d).Take(MaxFields).ToList();
        return [$"{path}: {live?.ToJsonString() ?? "null"} (live) vs {replayed?.ToJsonString() ?? "null"} (replayed)"];
    }
}

/// <summary>Time spent in each part of the work, summed over threads.</summary>
internal sealed class Busy
{
    private readonly ConcurrentDictionary<string, long> _ticks = new();

    public void Add(string part, long startedAt) => _ticks.AddOrUpdate(part, Stopwatch.GetTimestamp() - startedAt, (_, t) => t + Stopwatch.GetTimestamp() - startedAt);

    public IReadOnlyDictionary<string, long> Milliseconds() =>
        _ticks.OrderBy(p => p.Key).ToDictionary(p => p.Key, p => p.Value * 1000 / Stopwatch.Frequency);
}

/// <summary>What the service needs of a projection's replay, whatever its document and id types.</summary>
internal interface IProjectionReplayer : IAsyncDisposable
{
    Type DocumentType { get; }

    /// <summary>The event types its loader reads, or null when it reads every type.</summary>
    IReadOnlyCollection<Type>? EventTypes { get; }

    bool IncludesArchived { get; }

    /// <summary>It reads only the events of one stream type (the event's <see cref="IEvent.AggregateTypeName"/>, which only Marten's loader gives).</summary>
    bool FiltersOnStreamType { get; }

    /// <summary>Documents to fold again in the second pass (an event reached them after they were compared).</summary>
    int Dirty { get; }

    Task FoldAsync(IReadOnlyList<IEvent> page, bool refold, Comparer comparer, CancellationToken ct);

    Task EndPassAsync(bool refold, Comparer comparer, CancellationToken ct);

    Task<ProjectionReplay> FinishAsync(string connectionString, CancellationToken ct);
}

internal static class ProjectionReplayers
{
    /// <summary>The replayer of an aggregation projection (every projection the product registers is one).</summary>
    public static IProjectionReplayer For(object projection, DocumentStore store, string schema, int inFlightLimit)
    {
        for (var type = projection.GetType(); type is not null; type = type.BaseType)
        {
            if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(JasperFxAggregationProjectionBase<,,,>)) continue;
            var arguments = type.GetGenericArguments();
            var replayer = typeof(ProjectionReplayer<,>).MakeGenericType(arguments[0], arguments[1]);
            return (IProjectionReplayer)Activator.CreateInstance(replayer, projection, store, schema, inFlightLimit)!;
        }
        throw new NotSupportedException($"Replay covers aggregation projections only, not {projection.GetType().Name}");
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using JasperFx.Events;
using JasperFx.Events.Aggregation;
using JasperFx.Events.Daemon;
using JasperFx.Events.Grouping;
using Marten;
using Marten.Events;
using Npgsql;
using NpgsqlTypes;

namespace ContractTherapy.Audit;

/// <summary>
/// The replay of one aggregation projection: the events of each page that its own daemon loader would have read,
/// sliced by its own slicer and folded by its own <c>DetermineActionAsync</c>, with metadata and identity applied as the
/// daemon applies them before it stores a document. The documents stay in memory while events may still reach them
/// (up to <see cref="ReplayService.InFlightLimit"/>, least recently touched first out), then go to the
/// <see cref="Comparer"/>. An event that reaches a document already compared marks it for the second pass, which
/// folds only those documents again from their first event and compares each once its last event is applied.
/// </summary>
internal sealed class ProjectionReplayer<TDoc, TId> : IProjectionReplayer
    where TDoc : notnull where TId : notnull
{
    private readonly IAggregationProjection<TDoc, TId, IDocumentOperations, IQuerySession> _projection;
    private readonly DocumentStore _store;
    private readonly string _table;
    private readonly int _inFlightLimit;
    private readonly HashSet<Type>? _types;
    private readonly HashSet<string>? _aliases;
    private readonly string? _streamAlias;
    private readonly bool _skipping;
    private readonly IEventSlicer _slicer;
    private readonly IDocumentSession _defaultSession;
    private readonly Dictionary<string, Tenant> _tenants = new();
    private readonly LinkedList<Held> _recent = new();
    private readonly ConcurrentQueue<Outcome> _outcomes = new();
    private readonly Dictionary<(string Tenant, TId Id), ProjectionDifference> _differences = new();
    private long _livePresent;
    private int _foldedAgain;
    private int _outstanding;

    public ProjectionReplayer(object projection, DocumentStore store, string schema, int inFlightLimit)
    {
        _projection = (IAggregationProjection<TDoc, TId, IDocumentOperations, IQuerySession>)projection;
        _store = store;
        _inFlightLimit = inFlightLimit;
        _table = $"{schema}.{((IReadOnlyStoreOptions)store.Options).Schema.For(typeof(TDoc), false)}";
        var filterable = (JasperFx.Events.Projections.EventFilterable)projection;
        IncludesArchived = filterable.IncludeArchivedEvents;
        var graph = (EventGraph)store.Options.Events;
        // What Marten's daemon loader selects for this projection (DocumentStore.buildEventLoaderFilters): its event
        // types with Archived and Compacted<TDoc>, unless one of them is abstract (then every type); its stream type;
        // archived events only if it asks for them; skipped events never, when skipping is on.
        if (filterable.IncludedEventTypes.Count > 0 && !filterable.IncludedEventTypes.Any(t => t.IsAbstract || t.IsInterface))
        {
            _types = [.. filterable.IncludedEventTypes, typeof(Archived), typeof(Compacted<TDoc>)];
            _aliases = _types.Select(t => graph.EventMappingFor(t).Alias).ToHashSet();
        }
        _streamAlias = filterable.StreamType is { } streamType ? graph.AggregateAliasFor(streamType) : null;
        _skipping = graph.EnableEventSkippingInProjectionsOrSubscriptions;
        _defaultSession = store.LightweightSession();
        _slicer = _projection.BuildSlicer(_defaultSession);
    }

    public Type DocumentType => typeof(TDoc);

    public IReadOnlyCollection<Type>? EventTypes => _types;

    public bool IncludesArchived { get; }

    public bool FiltersOnStreamType => _streamAlias is not null;

    public int Dirty { get; private set; }

    private bool Reads(IEvent e) =>
        (_types is null || _types.Contains(e.EventType) || _aliases!.Contains(e.EventTypeName))
        && (_streamAlias is null || e.AggregateTypeName == _streamAlias)
        && (IncludesArchived || !e.IsArchived)
        && !(_skipping && e.IsSkipped);

    public async Task FoldAsync(IReadOnlyList<IEvent> page, bool refold, Comparer comparer, CancellationToken ct)
    {
        TakeOutcomes();
        var events = page.Where(Reads).ToList();
        if (events.Count == 0) return;
        _projection.StartBatch();
        foreach (var grouping in await _slicer.SliceAsync(events))
        {
            if (grouping is not SliceGroup<TDoc, TId> group) continue;
            var tenant = await TenantAsync(group.TenantId, ct);
            await _projection.EnrichEventsAsync(group, tenant.Session, ct);
            // In the order of their last events, so that the least recently touched documents are the first to leave memory.
            foreach (var (slice, last) in group.Slices.Select(s => (s, s.Events().Max(e => e.Sequence))).OrderBy(s => s.Item2).ToList())
            {
                var sliceEvents = slice.Events();
                tenant.Entries.TryGetValue(slice.Id, out var entry);
                if (refold)
                {
                    if ((entry.Flags & Flags.Dirty) == 0) continue;
                    tenant.Refolding.TryGetValue(slice.Id, out var folded);
                    folded = await ApplyAsync(tenant, slice.Id, folded, sliceEvents, ct);
                    if (last < entry.LastSequence)
                    {
                        tenant.Refolding[slice.Id] = folded;
                        continue;
                    }
                    tenant.Refolding.Remove(slice.Id);
                    await EmitAsync(tenant, slice.Id, folded, refold, comparer, ct);
                    continue;
                }

                entry.LastSequence = Math.Max(entry.LastSequence, last);
                if ((entry.Flags & Flags.Compared) != 0)
                {
                    if ((entry.Flags & Flags.Dirty) == 0) MarkDirty(tenant, slice.Id, ref entry);
                    tenant.Entries[slice.Id] = entry;
                    continue;
                }
                tenant.Entries[slice.Id] = entry;
                if (tenant.Held.TryGetValue(slice.Id, out var held))
                {
                    _recent.Remove(held.Node);
                    _recent.AddLast(held.Node);
                }
                else
                {
                    held = new Held(tenant, slice.Id);
                    held.Node = _recent.AddLast(held);
                    tenant.Held[slice.Id] = held;
                }
                held.Document = await ApplyAsync(tenant, slice.Id, held.Document, sliceEvents, ct);
            }
        }
        await _projection.EndBatchAsync();
        while (_recent.Count > _inFlightLimit) await EvictAsync(_recent.First!.Value, comparer, ct);
    }

    /// <summary>
    /// What the daemon's aggregation runner does with a slice (AggregationRunner.ApplyChangesAsync), minus the write:
    /// a compacted stream fast-forwards, a delete event deletes, otherwise the projection decides, and a stored
    /// document gets the last event's metadata and its identity. Null: no document.
    /// </summary>
    private async ValueTask<TDoc?> ApplyAsync(Tenant tenant, TId id, TDoc? snapshot, IReadOnlyList<IEvent> events, CancellationToken ct)
    {
        (snapshot, events) = Compacted<TDoc>.MaybeFastForward(snapshot!, events);
        if (_projection.MatchesAnyDeleteType(events)) return default;
        var (document, action) = await _projection.DetermineActionAsync(tenant.Session, snapshot, id, tenant.Storage, events, ct);
        switch (action)
        {
            case ActionType.Nothing:
                return snapshot;
            case ActionType.Store:
            case ActionType.UnDeleteAndStore:
                return _projection.TryApplyMetadata(events, document!, id, tenant.Storage).Item2;
            default:
                // Delete, HardDelete, StoreThenSoftDelete: no document is left (no projected type is soft-deleted).
                return default;
        }
    }

    /// <summary>An event reached a document after its comparison: that comparison no longer counts; the second pass folds it again.</summary>
    private void MarkDirty(Tenant tenant, TId id, ref Entry entry)
    {
        if ((entry.Flags & Flags.LivePresent) != 0) _livePresent--;
        entry.Flags = (entry.Flags & ~Flags.LivePresent) | Flags.Dirty | Flags.Refolded;
        _differences.Remove((tenant.Id, id));
        Dirty++;
        _foldedAgain++;
    }

    private async Task EvictAsync(Held held, Comparer comparer, CancellationToken ct)
    {
        _recent.Remove(held.Node);
        held.Tenant.Held.Remove(held.Id);
        await EmitAsync(held.Tenant, held.Id, held.Document, refold: false, comparer, ct);
    }

    private async Task EmitAsync(Tenant tenant, TId id, TDoc? document, bool refold, Comparer comparer, CancellationToken ct)
    {
        tenant.Entries.TryGetValue(id, out var entry);
        entry.Flags |= Flags.Compared;
        entry.Flags = document is null ? entry.Flags & ~Flags.ReplayPresent : entry.Flags | Flags.ReplayPresent;
        tenant.Entries[id] = entry;
        tenant.Pending.Add((id, document));
        if (tenant.Pending.Count >= ReplayService.CompareBatch) await SendAsync(tenant, refold, comparer, ct);
    }

    private async Task SendAsync(Tenant tenant, bool refold, Comparer comparer, CancellationToken ct)
    {
        if (tenant.Pending.Count == 0) return;
        var batch = tenant.Pending;
        tenant.Pending = new List<(TId, TDoc?)>(ReplayService.CompareBatch);
        Interlocked.Increment(ref _outstanding);
        await comparer.PostAsync((connection, token) => CompareAsync(connection, comparer, tenant.Id, batch, refold, token), ct);
    }

    public async Task EndPassAsync(bool refold, Comparer comparer, CancellationToken ct)
    {
        TakeOutcomes();
        if (refold)
        {
            foreach (var tenant in _tenants.Values)
            {
                foreach (var (id, document) in tenant.Refolding.ToList())
                    await EmitAsync(tenant, id, document, refold, comparer, ct);
                tenant.Refolding.Clear();
            }
        }
        else
        {
            while (_recent.First is { } first) await EvictAsync(first.Value, comparer, ct);
        }
        foreach (var tenant in _tenants.Values) await SendAsync(tenant, refold, comparer, ct);
    }

    /// <summary>
    /// One statement pairs a batch with the live documents of the same tenant and ids (primary key) and returns only the
    /// ids missing live or whose jsonb differs; a differing pair is compared again through the document type.
    /// </summary>
    private async Task CompareAsync(NpgsqlConnection connection, Comparer comparer, string tenant, List<(TId Id, TDoc? Document)> batch,
        bool refold, CancellationToken ct)
    {
        var serializer = comparer.Serializer;
        var ids = batch.Select(b => b.Id).ToArray();
        var serializing = Stopwatch.GetTimestamp();
        var json = batch.Select(b => b.Document is null ? null : serializer.ToJson(b.Document)).ToArray();
        comparer.Busy.Add("serialize", serializing);
        await using var command = new NpgsqlCommand($"""
            select r.i::int - 1, l.id is not null, l.data::text
            from unnest(@ids, @docs) with ordinality as r(id, data, i)
            left join {_table} l on l.tenant_id = @tenant and l.id = r.id
            where l.id is null or l.data is distinct from r.data
            """, connection) { CommandTimeout = 0 };
        command.Parameters.Add(new NpgsqlParameter<TId[]>("ids", ids));
        command.Parameters.Add(new NpgsqlParameter("docs", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = json });
        command.Parameters.AddWithValue("tenant", tenant);
        var absent = new List<int>();
        var differences = new List<(int, ProjectionDifference)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var i = reader.GetInt32(0);
                var id = ids[i].ToString()!;
                if (!reader.GetBoolean(1))
                {
                    absent.Add(i);
                    if (json[i] is not null) differences.Add((i, new ProjectionDifference(tenant, id, "missing-live")));
                }
                else if (json[i] is null) differences.Add((i, new ProjectionDifference(tenant, id, "missing-in-replay")));
                else
                {
                    var a = ReplayService.Normalized(serializer, typeof(TDoc), reader.GetString(2));
                    var b = ReplayService.Normalized(serializer, typeof(TDoc), json[i]!);
                    if (!JsonNode.DeepEquals(a, b)) differences.Add((i, new ProjectionDifference(tenant, id, "different", ReplayService.Diff(a, b, "$"))));
                }
            }
        }
        _outcomes.Enqueue(new Outcome(tenant, ids, absent, differences, refold));
        Interlocked.Decrement(ref _outstanding);
    }

    /// <summary>Applies the comparisons that came back (on the folding side, which owns the entries).</summary>
    private void TakeOutcomes()
    {
        while (_outcomes.TryDequeue(out var outcome))
        {
            var tenant = _tenants[outcome.Tenant];
            var absent = outcome.Absent.ToHashSet();
            var differences = outcome.Differences.ToDictionary(d => d.Index, d => d.Difference);
            for (var i = 0; i < outcome.Ids.Length; i++)
            {
                var id = outcome.Ids[i];
                var entry = tenant.Entries[id];
                if (outcome.Refold) entry.Flags &= ~Flags.Dirty;
                // A first-pass comparison of a document folded again does not count (it may arrive after the second one).
                else if ((entry.Flags & Flags.Refolded) != 0) continue;
                if (!absent.Contains(i))
                {
                    entry.Flags |= Flags.LivePresent;
                    _livePresent++;
                }
                if (differences.TryGetValue(i, out var difference)) _differences[(outcome.Tenant, id)] = difference;
                tenant.Entries[id] = entry;
            }
            if (outcome.Refold) Dirty -= outcome.Ids.Length;
        }
    }

    /// <summary>
    /// After every comparison came back: the live documents no event produced. When the live count equals the documents
    /// found live, there are none; otherwise the live ids are listed and each one the replay did not produce is reported.
    /// </summary>
    public async Task<ProjectionReplay> FinishAsync(string connectionString, CancellationToken ct)
    {
        if (Volatile.Read(ref _outstanding) != 0) throw new InvalidOperationException("comparisons still outstanding");
        TakeOutcomes();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        long documents;
        await using (var count = new NpgsqlCommand($"select count(*) from {_table}", connection) { CommandTimeout = 0 })
            documents = (long)(await count.ExecuteScalarAsync(ct))!;
        if (documents != _livePresent)
        {
            await using var list = new NpgsqlCommand($"select tenant_id, id from {_table}", connection) { CommandTimeout = 0 };
            await using var reader = await list.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var (tenantId, id) = (reader.GetString(0), reader.GetFieldValue<TId>(1));
                var entry = _tenants.TryGetValue(tenantId, out var tenant) && tenant.Entries.TryGetValue(id, out var e) ? e : default;
                // Found live by its comparison already (and reported there if it differed), or produced by the replay.
                if ((entry.Flags & (Flags.LivePresent | Flags.ReplayPresent)) != 0) continue;
                _differences[(tenantId, id)] = new ProjectionDifference(tenantId, id.ToString()!, "missing-in-replay");
            }
        }
        var differences = _differences.Values.OrderBy(d => d.Tenant, StringComparer.Ordinal).ThenBy(d => d.Id, StringComparer.Ordinal).ToList();
        return new ProjectionReplay(typeof(TDoc).Name, (int)documents, differences.Count == 0, differences, _foldedAgain);
    }

    private async ValueTask<Tenant> TenantAsync(string id, CancellationToken ct)
    {
        if (_tenants.TryGetValue(id, out var tenant)) return tenant;
        var session = _store.LightweightSession(id);
        var storage = await session.FetchProjectionStorageAsync<TDoc, TId>(id, ct);
        return _tenants[id] = new Tenant(id, session, storage);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var tenant in _tenants.Values) await tenant.Session.DisposeAsync();
        await _defaultSession.DisposeAsync();
    }

    [Flags]
    private enum Flags : byte
    {
        /// <summary>Sent to the comparison (no longer held).</summary>
        Compared = 1,
        ReplayPresent = 2,
        LivePresent = 4,
        /// <summary>An event reached it after its comparison; the second pass folds it again.</summary>
        Dirty = 8,
        /// <summary>Folded again: only the second pass's comparison counts.</summary>
        Refolded = 16,
    }

    /// <summary>What is kept of every document the events reached: little, since there can be millions.</summary>
    private struct Entry
    {
        public long LastSequence;
        public Flags Flags;
    }

    private sealed class Tenant(string id, IDocumentSession session, IIdentitySetter<TDoc, TId> storage)
    {
        public string Id { get; } = id;
        public IDocumentSession Session { get; } = session;
        public IIdentitySetter<TDoc, TId> Storage { get; } = storage;
        public Dictionary<TId, Entry> Entries { get; } = new();
        public Dictionary<TId, Held> Held { get; } = new();
        public Dictionary<TId, TDoc?> Refolding { get; } = new();
        public List<(TId Id, TDoc? Document)> Pending { get; set; } = new(ReplayService.CompareBatch);
    }

    private sealed class Held(Tenant tenant, TId id)
    {
        public Tenant Tenant { get; } = tenant;
        public TId Id { get; } = id;
        public TDoc? Document { get; set; }
        public LinkedListNode<Held> Node { get; set; } = null!;
    }

    private sealed record Outcome(string Tenant, TId[] Ids, List<int> Absent, List<(int Index, ProjectionDifference Difference)> Differences, bool Refold);
}

/// <summary>
/// Runs the comparisons on a few connections of their own while the events are folded. Bounded: a projection that
/// gets ahead waits for room, so the documents waiting to be compared stay few.
/// </summary>
internal sealed class Comparer : IAsyncDisposable
{
    private const int Workers = 4;
    private readonly Channel<Func<NpgsqlConnection, CancellationToken, Task>> _work = Channel.CreateBounded<Func<NpgsqlConnection, CancellationToken, Task>>(Workers * 2);
    private readonly CancellationTokenSource _failed;
    private readonly Task[] _workers;
    private Exception? _error;

    public Comparer(string connectionString, ISerializer serializer, Busy busy, CancellationToken ct)
    {
        Serializer = serializer;
        Busy = busy;
        _failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(() => Work(connectionString))).ToArray();
    }

    public ISerializer Serializer { get; }

    public Busy Busy { get; }

    private async Task Work(string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(_failed.Token);
            await foreach (var work in _work.Reader.ReadAllAsync(_failed.Token))
            {
                var started = Stopwatch.GetTimestamp();
                await work(connection, _failed.Token);
                Busy.Add("compare", started);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !_failed.IsCancellationRequested)
        {
            _error ??= e;
            await _failed.CancelAsync();
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task PostAsync(Func<NpgsqlConnection, CancellationToken, Task> work, CancellationToken ct)
    {
        try
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, _failed.Token);
            var started = Stopwatch.GetTimestamp();
            await _work.Writer.WriteAsync(work, either.Token);
            Busy.Add("waitForComparison", started);
        }
        catch (OperationCanceledException) when (_error is not null)
        {
            throw new InvalidOperationException("A replay comparison failed", _error);
        }
    }

    public async Task CompleteAsync()
    {
        _work.Writer.TryComplete();
        await Task.WhenAll(_workers);
        if (_error is not null) throw new InvalidOperationException("A replay comparison failed", _error);
    }

    public async ValueTask DisposeAsync()
    {
        _work.Writer.TryComplete();
        await _failed.CancelAsync();
        try
        {
            await Task.WhenAll(_workers);
        }
        catch (OperationCanceledException)
        {
        }
        _failed.Dispose();
    }
}

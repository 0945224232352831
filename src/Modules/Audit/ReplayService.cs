using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using JasperFx;
using Marten;
using Npgsql;

namespace ContractTherapy.Audit;

/// <summary>A document that differs: missing on one side, or different in the listed JSON paths (live value, replayed value).</summary>
public sealed record ProjectionDifference(string Tenant, string Id, string Kind, IReadOnlyList<string>? Fields = null);

public sealed record ProjectionReplay(string Name, int Documents, bool Identical, IReadOnlyList<ProjectionDifference> Differences);

/// <summary>
/// <see cref="HighWaterMark"/>: the last event replayed; events recorded after it (the system kept taking
/// writes) are counted in <see cref="EventsAfterHighWaterMark"/>, and documents they changed may differ.
/// <see cref="Phases"/>: milliseconds spent copying the events, rebuilding the projections and comparing.
/// </summary>
public sealed record ReplayReport(long HighWaterMark, long Events, long EventsAfterHighWaterMark, long ElapsedMilliseconds,
    IReadOnlyList<ProjectionReplay> Projections, IReadOnlyDictionary<string, long>? Phases = null);

/// <summary>
/// Replay and verify: every event up to now is copied, in order, to a scratch store in a schema of
/// its own, configured exactly like the live one; every projection of that store (inline and async
/// alike) is rebuilt from the copied events by a projection daemon of its own, and every projected
/// document is compared with the live one, field by field. Live data is only read; the scratch
/// schema is dropped at the end.
/// </summary>
/// <remarks>
/// How it stays fast and small (ops/bench/README.md, "Replay and verify"): the events are copied by
/// one <c>insert ... select</c> inside PostgreSQL (no event passes through the host), into unlogged
/// tables (a scratch schema needs no WAL; it is dropped whatever happens); the projections are
/// rebuilt in batches by Marten's daemon rather than by appending each event again through the
/// inline projections; and the comparison runs in PostgreSQL (a full join of the live and replayed
/// tables on tenant and id, jsonb equality), so only documents that differ or are missing on one
/// side reach the host, one at a time. A pair that PostgreSQL finds different is then compared as
/// before, through the document type (deserialized and serialized again, then field by field), so
/// the verdict is the one the in-memory comparison gave.
/// </remarks>
public sealed class ReplayService(IDocumentStore live, StoreBlueprint blueprint)
{
    /// <summary>The most field paths listed for one document.</summary>
    private const int MaxFields = 10;

    public async Task<ReplayReport> RunAsync(CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var phases = new Dictionary<string, long>();
        var connectionString = blueprint.ConnectionString;
        var schema = $"ct_replay_{Guid.NewGuid():N}"[..24];
        StoreOptions? options = null;
        var scratch = DocumentStore.For(opts =>
        {
            blueprint.Configure(opts, schema);
            opts.AutoCreateSchemaObjects = AutoCreate.All;
            RebuildInLargeBatches(opts);
            options = opts;
        });
        try
        {
            await scratch.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            await Unlogged(schema, ct);
            await DropLookupIndexes(schema, ct);
            phases["schema"] = watch.ElapsedMilliseconds;

            var (highWater, events) = await CopyEvents(schema, ct);
            phases["copy"] = watch.ElapsedMilliseconds - phases.Values.Sum();

            // Every projection, inline ones included, is rebuilt from the copied events by the scratch store's own daemon.
            var projections = options!.Projections;
            // The projections are rebuilt side by side (at most RebuildsAtOnce), each reading the events on its own.
            using (var analyzing = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                var analyzer = KeepAnalyzing(schema, analyzing.Token);
                using (var daemon = await scratch.BuildProjectionDaemonAsync())
                    await Task.WhenAll(projections.AllProjectionNames()
                        // The names come quoted ('Visit'), as Marten lists them in its messages.
                        .Select(name => daemon.RebuildProjectionAsync(name.Trim('\''), TimeSpan.FromMinutes(30), ct)));
                await analyzing.CancelAsync();
                await analyzer;
            }
            phases["rebuild"] = watch.ElapsedMilliseconds - phases.Values.Sum();

            var results = new List<ProjectionReplay>();
            foreach (var type in projections.All.SelectMany(p => p.PublishedTypes()).Distinct())
                results.Add(await CompareAsync(type, scratch, schema, ct));
            phases["compare"] = watch.ElapsedMilliseconds - phases.Values.Sum();

            var latest = await MaxSequence(ct);
            return new ReplayReport(highWater, events, latest - highWater, watch.ElapsedMilliseconds, results, phases);
        }
        finally
        {
            scratch.Dispose();
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(CancellationToken.None);
            await using var drop = new NpgsqlCommand($"drop schema if exists {schema} cascade", connection);
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// How the scratch store's daemon rebuilds (how it writes, not what it computes). The projections are
    /// rebuilt <see cref="RebuildsAtOnce"/> at a time: the host mostly waits for PostgreSQL during a rebuild
    /// (ops/bench/README.md), so two rebuilds keep both cores busy. Each projection keeps the latest state of
    /// up to <see cref="RebuildFlushAggregates"/> documents and writes each once per flush, as an insert into
    /// the emptied table where it is the document's first write (Marten's deferred rebuild flush; with
    /// <c>RebuildWithBulkCopy</c> Marten may send such inserts by binary COPY). More documents per flush was
    /// not faster and cost the host 200 MB more at 500,000 events.
    /// </summary>
    private static void RebuildInLargeBatches(StoreOptions opts)
    {
        opts.Projections.RebuildWithBulkCopy = true;
        opts.Projections.MaxConcurrentRebuildsPerDatabase = RebuildsAtOnce;
        foreach (var projection in opts.Projections.All.OfType<JasperFx.Events.Projections.ProjectionBase>())
        {
            projection.Options.RebuildFlushThreshold = RebuildFlushAggregates;
        }
    }

    /// <summary>
    /// Analyzes the scratch documents while they are rebuilt (after 2 s, then at doubling intervals). The daemon looks up
    /// each flush's documents by id (<c>where id = any($1) and tenant_id = $2</c>, up to 1,000 ids) in tables that
    /// are being filled; without statistics PostgreSQL estimates that such a list matches the whole table and scans
    /// it, so the rebuild grew quadratic: 220 ms a lookup at 400,000 documents, 440 s of PostgreSQL's time at
    /// 500,000 events when autovacuum was off (pg_stat_statements; the inserts themselves took 20 s). With
    /// statistics it uses the primary key. Autovacuum would analyze too, but only after its nap (a minute by default).
    /// </summary>
    private async Task KeepAnalyzing(string schema, CancellationToken ct)
    {
        try
        {
            await using var connection = await Open(ct);
            var tables = new List<string>();
            await using (var list = new NpgsqlCommand(
                "select tablename from pg_tables where schemaname = @s and tablename like 'mt_doc_%'", connection))
            {
                list.Parameters.AddWithValue("s", schema);
                await using var reader = await list.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct)) tables.Add($"{schema}.{reader.GetString(0)}");
            }
            if (tables.Count == 0) return;
            // Once a table has statistics (ids all distinct), the estimate follows its growth: analyzing again and
            // again only costs (every 3 s it took 60 s of PostgreSQL's time over a 500,000-event rebuild), so the
            // pauses double.
            for (var pause = FirstAnalyze; ; pause = pause * 2 > LastAnalyze ? LastAnalyze : pause * 2)
            {
                await Task.Delay(pause, ct);
                await Execute(connection, $"analyze {string.Join(", ", tables)}", ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private static readonly TimeSpan FirstAnalyze = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan LastAnalyze = TimeSpan.FromSeconds(60);

    private const int RebuildFlushAggregates = 1_000;
    private const int RebuildsAtOnce = 4;

    /// <summary>
    /// The scratch tables skip the WAL and autovacuum: they are rebuilt from the live events and dropped after the
    /// comparison (autovacuum's analyze of the 500,000 copied events ran beside the rebuild; the copy analyzes them itself).
    /// </summary>
    private async Task Unlogged(string schema, CancellationToken ct)
    {
        await using var connection = await Open(ct);
        // mt_events first: an unlogged table may reference a logged one, not the other way round.
        await Execute(connection, $"""
            do $$ declare t record; begin
              for t in select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                       where n.nspname = '{schema}' and c.relkind = 'r' and c.relpersistence = 'p'
                       order by c.relname <> 'mt_events'
              loop execute format('alter table {schema}.%I set unlogged, set (autovacuum_enabled = false)', t.relname); end loop;
            end $$
            """, ct);
    }

    /// <summary>
    /// The scratch documents are only written by the rebuild and read by id (primary key) in the comparison: the
    /// indexes that serve the live store's queries (visit date, contractor, agency, ...) cost every write a few more
    /// index entries and expression evaluations and serve nothing here. Unique indexes stay (they are rules, not lookups).
    /// </summary>
    private async Task DropLookupIndexes(string schema, CancellationToken ct)
    {
        await using var connection = await Open(ct);
        await Execute(connection, $"""
            do $$ declare i record; begin
              for i in select c.relname from pg_index x join pg_class c on c.oid = x.indexrelid
                       join pg_namespace n on n.oid = c.relnamespace
                       where n.nspname = '{schema}' and not x.indisunique and not x.indisprimary
              loop execute format('drop index {schema}.%I', i.relname); end loop;
            end $$
            """, ct);
    }

    /// <summary>
    /// Copies the streams and the events up to the newest one, in their order, within one snapshot
    /// of the live store. The copies are numbered from 1 without gaps (the order is what a replay
    /// keeps; the live sequence has gaps from rolled-back appends); everything else is copied as it is.
    /// </summary>
    private async Task<(long HighWater, long Events)> CopyEvents(string schema, CancellationToken ct)
    {
        await using var connection = await Open(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var source = blueprint.Schema;
        var highWater = (long)(await Scalar(connection, $"select coalesce(max(seq_id), 0) from {source}.mt_events", ct))!;
        var streamColumns = await Columns(connection, schema, "mt_streams", ct);
        var eventColumns = (await Columns(connection, schema, "mt_events", ct)).Where(c => c != "seq_id").ToList();
        string List(IEnumerable<string> columns, string prefix) => string.Join(", ", columns.Select(c => prefix + c));
        // A stream's version is that of its last copied event (a stream may have grown since the snapshot's high-water mark).
        await Execute(connection, $"""
            insert into {schema}.mt_streams ({List(streamColumns, "")})
            select {string.Join(", ", streamColumns.Select(c => c == "version" ? "v.version" : "s." + c))}
            from {source}.mt_streams s
            join (select tenant_id, stream_id, max(version) as version from {source}.mt_events where seq_id <= {highWater}
                  group by tenant_id, stream_id) v on v.tenant_id = s.tenant_id and v.stream_id = s.id
            """, ct);
        var events = await Execute(connection, $"""
            insert into {schema}.mt_events (seq_id, {List(eventColumns, "")})
            select row_number() over (order by e.seq_id), {List(eventColumns, "e.")}
            from {source}.mt_events e where e.seq_id <= {highWater}
            order by e.seq_id
            """, ct);
        await Scalar(connection, $"select setval('{schema}.mt_events_sequence', greatest({events}, 1), {(events > 0 ? "true" : "false")})", ct);
        await Execute(connection, $"analyze {schema}.mt_events; analyze {schema}.mt_streams", ct);
        await tx.CommitAsync(ct);
        return (highWater, events);
    }

    private static async Task<List<string>> Columns(NpgsqlConnection connection, string schema, string table, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "select column_name from information_schema.columns where table_schema = @s and table_name = @t order by ordinal_position", connection);
        command.Parameters.AddWithValue("s", schema);
        command.Parameters.AddWithValue("t", table);
        var columns = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) columns.Add(reader.GetString(0));
        return columns;
    }

    /// <summary>
    /// PostgreSQL pairs the live and replayed documents by tenant and id and keeps those missing on one side or whose
    /// jsonb differs; only those reach the host, streamed. A differing pair is read back through the document type and
    /// compared field by field, as the in-memory comparison did; a pair that is equal that way is not a difference.
    /// </summary>
    private async Task<ProjectionReplay> CompareAsync(Type type, IDocumentStore scratch, string schema, CancellationToken ct)
    {
        var table = scratch.Options.Schema.For(type, false);
        var liveTable = $"{blueprint.Schema}.{table}";
        var replayTable = $"{schema}.{table}";
        var serializer = live.Options.Serializer();
        var differences = new List<ProjectionDifference>();
        await using var connection = await Open(ct);
        var documents = Convert.ToInt32(await Scalar(connection, $"select count(*) from {liveTable}", ct));
        await using var command = new NpgsqlCommand($"""
            select coalesce(l.tenant_id, r.tenant_id), coalesce(l.id, r.id)::text, l.data::text, r.data::text
            from {liveTable} l full join {replayTable} r on r.tenant_id = l.tenant_id and r.id = l.id
            where l.id is null or r.id is null or l.data <> r.data
            order by 1, 2
            """, connection) { CommandTimeout = 0 };
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var (tenant, id) = (reader.GetString(0), reader.GetString(1));
            if (reader.IsDBNull(3)) differences.Add(new ProjectionDifference(tenant, id, "missing-in-replay"));
            else if (reader.IsDBNull(2)) differences.Add(new ProjectionDifference(tenant, id, "missing-live"));
            else
            {
                var a = Normalized(serializer, type, reader.GetString(2));
                var b = Normalized(serializer, type, reader.GetString(3));
                if (!JsonNode.DeepEquals(a, b)) differences.Add(new ProjectionDifference(tenant, id, "different", Diff(a, b, "$")));
            }
        }
        return new ProjectionReplay(type.Name, documents, differences.Count == 0, differences);
    }

    /// <summary>A stored document as its type reads and writes it (what the comparison always compared).</summary>
    private static JsonNode? Normalized(ISerializer serializer, Type type, string json)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return JsonNode.Parse(serializer.ToJson(serializer.FromJson(type, stream)));
    }

    private static List<string> Diff(JsonNode? live, JsonNode? replayed, string path)
    {
        if (JsonNode.DeepEquals(live, replayed)) return [];
        if (live is JsonObject a && replayed is JsonObject b)
            return a.Select(p => p.Key).Union(b.Select(p => p.Key)).SelectMany(k => Diff(a[k], b[k], $"{path}.{k}")).Take(MaxFields).ToList();
        if (live is JsonArray x && replayed is JsonArray y && x.Count == y.Count)
            return x.Select((item, i) => Diff(item, y[i], $"{path}[{i}]")).SelectMany(d => d).Take(MaxFields).ToList();
        return [$"{path}: {live?.ToJsonString() ?? "null"} (live) vs {replayed?.ToJsonString() ?? "null"} (replayed)"];
    }

    private async Task<long> MaxSequence(CancellationToken ct)
    {
        await using var connection = await Open(ct);
        return (long)(await Scalar(connection, $"select coalesce(max(seq_id), 0) from {blueprint.Schema}.mt_events", ct))!;
    }

    private async Task<NpgsqlConnection> Open(CancellationToken ct)
    {
        var connection = new NpgsqlConnection(blueprint.ConnectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    private static async Task<int> Execute(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<object?> Scalar(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return await command.ExecuteScalarAsync(ct);
    }
}

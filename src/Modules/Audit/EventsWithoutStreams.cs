using System.Reflection;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events;
using Marten.Internal;
using Npgsql;
using NpgsqlTypes;
using Weasel.Storage;

namespace ContractTherapy.Audit;

/// <summary>
/// The replay's event pages: Marten's daemon loader (<c>EventLoader.loadNormalAsync</c>) with the same filters
/// (<c>DocumentStore.buildEventLoaderFilters</c>: event types with <c>Archived</c>, archived and skipped events), the same
/// columns and the same <c>ResolveAsync</c> of the event storage, but without its join to <c>mt_streams</c>. That join
/// only gives each event its stream's type (<see cref="IEvent.AggregateTypeName"/>), which only a projection that
/// filters on its stream type reads; it cost a primary-key probe per event, about 80% of PostgreSQL's time per page
/// (ops/bench/README.md, "Replay folded in the host"). It drops no event: <c>mt_events.stream_id</c> is a foreign key
/// into <c>mt_streams</c>, as Marten's own skip-ahead probe relies on. The replay uses it only when no projection filters
/// on a stream type (<see cref="Applies"/>); otherwise it keeps Marten's loader.
/// </summary>
/// <remarks>
/// Not kept from Marten's loader: skipping unknown or undeserializable events (the rebuild's error options skip
/// nothing by default, and a replay that skipped an event would not be verifying it), and the fallbacks for a query
/// that times out on a sparse type filter (the replay reads nearly every event).
/// </remarks>
internal sealed class EventsWithoutStreams : IEventLoader
{
    private readonly string _connectionString;
    private readonly IEventStorage _storage;
    private readonly string _sql;
    private readonly string[]? _typeNames;
    private readonly int _pageSize;

    /// <summary>
    /// Marten's type filter (<c>EventTypeFilter</c>) also reads the names events were upcast from, which only this
    /// internal method of the event graph lists; should a later Marten drop it, the replay fails here rather than miss
    /// events (and the loader test fails first).
    /// </summary>
    private static readonly MethodInfo AliasesForEvents =
        typeof(EventGraph).GetMethod(nameof(AliasesForEvents), BindingFlags.Instance | BindingFlags.NonPublic, [typeof(IReadOnlyCollection<Type>)])
        ?? throw new MissingMethodException(nameof(EventGraph), nameof(AliasesForEvents));

    public EventsWithoutStreams(DocumentStore store, EventFilterable filter, int pageSize, string connectionString)
    {
        _connectionString = connectionString;
        _pageSize = pageSize;
        var graph = (EventGraph)store.Options.Events;
        using (var session = store.QuerySession()) _storage = ((IMartenSession)session).EventStorage();
        var where = new List<string> { "d.seq_id > $1", "d.seq_id <= $2" };
        if (filter.IncludedEventTypes.Count > 0 && !filter.IncludedEventTypes.Any(t => t.IsAbstract || t.IsInterface))
        {
            Type[] types = [.. filter.IncludedEventTypes, typeof(Archived)];
            var upcastFrom = (IReadOnlySet<string>)AliasesForEvents.Invoke(graph, [types])!;
            _typeNames = types.Select(t => graph.EventMappingFor(t).Alias).Union(upcastFrom).ToArray();
            where.Add("d.type = ANY($3)");
        }
        if (!filter.IncludeArchivedEvents) where.Add("d.is_archived = FALSE");
        if (graph.EnableEventSkippingInProjectionsOrSubscriptions) where.Add("d.is_skipped = FALSE");
        var fields = string.Join(", ", ((ISelectClause)_storage).SelectFields().Select(f => "d." + f));
        _sql = $"select {fields} from {graph.DatabaseSchemaName}.mt_events as d where {string.Join(" and ", where)} order by d.seq_id limit {pageSize}";
    }

    /// <summary>
    /// Whether the join can go: no projection reads the stream's type, and the store does not keep archived streams in a
    /// partition of their own (there Marten's join also leaves out the events of archived streams).
    /// </summary>
    public static bool Applies(DocumentStore store, bool anyFiltersOnStreamType) =>
        !anyFiltersOnStreamType && !store.Options.Events.UseArchivedStreamPartitioning;

    internal string CommandText => _sql;

    public async Task<EventPage> LoadAsync(EventRequest request, CancellationToken token)
    {
        var page = new EventPage(request.Floor);
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(token);
        await using var command = new NpgsqlCommand(_sql, connection) { CommandTimeout = 0 };
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = request.Floor });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = request.HighWater });
        if (_typeNames is not null)
            command.Parameters.Add(new NpgsqlParameter { Value = _typeNames, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar });
        var selector = (ISelector<IEvent>)_storage;
        await using (var reader = await command.ExecuteReaderAsync(token))
            while (await reader.ReadAsync(token)) page.Add(await selector.ResolveAsync(reader, token));
        page.CalculateCeiling(_pageSize, request.HighWater, 0);
        return page;
    }
}

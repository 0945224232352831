using ContractTherapy.Shared.Persistence;
using ContractTherapy.Visits.Visits;
using JasperFx.Events;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace ContractTherapy.Visits.LoggingVisits;

/// <summary>
/// A batch's new visits written as one statement: each visit's stream, its <see cref="VisitLogged"/>, its <see cref="Visit"/>
/// document and the other modules' documents (<see cref="ILoggedVisitWriter"/>), the rows Marten writes for
/// <c>StartStream</c> and the inline projections, with one insert a table for the whole batch instead of one a row
/// (ops/bench/README.md: PostgreSQL writes the rows about twice as fast so). The events are numbered by the store's
/// sequence as Marten numbers them; their sequences come back with the statement's result.
/// </summary>
public sealed class VisitRows(IDocumentSession session)
{
    private readonly Marten.Events.EventGraph _graph = (Marten.Events.EventGraph)session.DocumentStore.Options.Events;
    private readonly List<(IEvent Event, VisitLogged Logged, Visit Visit)> _visits = [];
    private readonly List<(Type Type, Guid Id, object Document)> _documents = [];

    /// <summary>The batch's events; each with its sequence once the statement ran.</summary>
    public IEnumerable<IEvent> Events => _visits.Select(v => v.Event);

    /// <summary>A new visit: its stream, its event as Marten would append it (its author's metadata), its documents.</summary>
    public void Add(Guid visitId, string tenant, VisitLogged logged, VisitAuthor author, IEnumerable<LoggedVisitDocument> documents)
    {
        var e = session.Events.BuildEvent(logged);
        e.Id = Guid.CreateVersion7();
        e.StreamId = visitId;
        e.Version = 1;
        e.TenantId = tenant;
        // The host's clock, as Marten's Quick append mode stamps an event (README, "An event's timestamp is the host's clock").
        e.Timestamp = _graph.TimeProvider.GetUtcNow();
        e.UserName = author.UserId;
        e.CorrelationId = author.CorrelationId;
        if (author.Role is not null) e.SetHeader(Shared.Http.AuditStamp.RoleHeader, author.Role);
        _visits.Add((e, logged, Visit.Logged(logged)));
        foreach (var d in documents) _documents.Add((d.DocumentType, visitId, d.Document));
    }

    /// <summary>Queues the statement on the session, after what is already queued (the write's guard).</summary>
    public void Queue()
    {
        if (_visits.Count == 0) return;
        var options = session.DocumentStore.Options;
        var serializer = options.Serializer();
        var events = options.Events.DatabaseSchemaName;
        var visitType = options.FindOrResolveDocumentType(typeof(Visit));
        var values = new List<(object? Value, NpgsqlDbType? Type)>();
        string P(object value, NpgsqlDbType? type = null)
        {
            values.Add((value, type));
            return "?";
        }
        // An array parameter typed by its elements: documents as jsonb (serialized as Marten serializes them), or values that may be null.
        string Json(IEnumerable<object> documents) => P(documents.Select(serializer.ToJson).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Jsonb);
        string OrNull<T>(IEnumerable<T?> items, NpgsqlDbType type) => P(items.Select(x => (object?)x ?? DBNull.Value).ToArray(), NpgsqlDbType.Array | type);

        var tenant = session.TenantId;
        var ids = _visits.Select(v => v.Logged.VisitId).ToArray();
        var sql = new System.Text.StringBuilder();
        // The streams and the Visit documents first, each returning its rows, which the events' insert counts before its first
        // row draws a sequence number: a stream id or held key taken meanwhile (the guard ran before a commit that took it)
        // then fails the statement without spending numbers, as Marten's append does, not leaving a gap for the daemon.
        sql.Append($"with s as (insert into {events}.mt_streams (tenant_id, id, type, version) select {P(tenant)}, x.id, {P(_graph.AggregateAliasFor(typeof(Visit)))}, 1 from unnest({P(ids)}::uuid[]) as x(id) returning id), ");
        sql.Append($"v as (insert into {visitType.TableName.QualifiedName} (tenant_id, id, data, mt_version, mt_dotnet_type, mt_last_modified, held_key) ");
        sql.Append($"select {P(tenant)}, x.id, x.data, 1, {P(typeof(Visit).FullName!)}, transaction_timestamp(), x.held_key from unnest({P(ids)}::uuid[], ");
        sql.Append($"{Json(_visits.Select(v => v.Visit))}, ");
        sql.Append($"{OrNull(_visits.Select(v => v.Visit.HeldKey), NpgsqlDbType.Uuid)}) as x(id, data, held_key) returning id), ");
        sql.Append($"e as (insert into {events}.mt_events (data, type, mt_dotnet_type, id, stream_id, version, timestamp, tenant_id, correlation_id, headers, user_name, seq_id) ");
        sql.Append($"select x.data, {P(_visits[0].Event.EventTypeName)}, {P(_visits[0].Event.DotNetTypeName)}, x.id, x.stream_id, 1, x.at, {P(tenant)}, x.correlation_id, x.headers, x.user_name, ");
        sql.Append($"nextval('{events}.mt_events_sequence') from unnest({Json(_visits.Select(v => v.Logged))}, ");
        sql.Append($"{P(_visits.Select(v => v.Event.Id).ToArray())}::uuid[], {P(ids)}::uuid[], {P(_visits.Select(v => v.Event.Timestamp).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)}, ");
        sql.Append($"{OrNull(_visits.Select(v => v.Event.CorrelationId), NpgsqlDbType.Varchar)}, ");
        sql.Append($"{OrNull(_visits.Select(v => v.Event.Headers is { Count: > 0 } h ? serializer.ToJson(h) : null), NpgsqlDbType.Jsonb)}, ");
        sql.Append($"{OrNull(_visits.Select(v => v.Event.UserName), NpgsqlDbType.Varchar)}) ");
        sql.Append("as x(data, id, stream_id, at, correlation_id, headers, user_name) where (select count(*) from s) >= 0 and (select count(*) from v) >= 0 ");
        sql.Append("returning id, seq_id)");
        var n = 0;
        foreach (var group in _documents.GroupBy(d => d.Type))
        {
            var table = options.FindOrResolveDocumentType(group.Key).TableName.QualifiedName;
            sql.Append($", d{n++} as (insert into {table} (tenant_id, id, data, mt_version, mt_dotnet_type, mt_last_modified) ");
            sql.Append($"select {P(tenant)}, x.id, x.data, 1, {P(group.Key.FullName!)}, transaction_timestamp() from unnest({P(group.Select(d => d.Id).ToArray())}::uuid[], ");
            sql.Append($"{Json(group.Select(d => d.Document))}) as x(id, data) on conflict (tenant_id, id) do nothing)");
        }
        sql.Append(" select id, seq_id from e");
        session.QueueOperation(new QueuedStatement(sql.ToString(), values, Numbered, Weasel.Core.OperationRole.Events));
    }

    /// <summary>The events' sequences, as the statement numbered them.</summary>
    private async Task Numbered(System.Data.Common.DbDataReader reader, CancellationToken token)
    {
        var byId = _visits.ToDictionary(v => v.Event.Id, v => v.Event);
        while (await reader.ReadAsync(token).ConfigureAwait(false))
            byId[reader.GetGuid(0)].Sequence = reader.GetInt64(1);
    }
}

using ContractTherapy.Shared.Persistence;
using Marten;
using ContractTherapy.Visits.Visits;
using Npgsql;

namespace ContractTherapy.Visits.LoggingVisits;

/// <summary>
/// The first statement of a batch's write, before its events draw their sequence numbers: it fails the write if the
/// rules' facts the batch was decided on changed (<see cref="StaleSqlState"/>, <see cref="RulesSeen"/>), or if a
/// duplicate key or a visit id the write takes is already taken (<see cref="TakenSqlState"/>: a committed duplicate, a
/// keyed visit's earlier attempt). Either way nothing is written and no event sequence number is spent: a rolled-back
/// write's numbers are a gap the high-water mark waits out before it passes it. The group commit decides the batch
/// again. The keys' unique constraints still decide a race with a commit after the guard ran.
/// </summary>
public static class VisitWriteGuard
{
    public const string StaleSqlState = "CTV01";
    public const string TakenSqlState = "CTV02";
    public const string Function = "ct_visit_write_guard";

    /// <summary>
    /// Queues the guard; call it before the batch's rows (<see cref="VisitRows.Queue"/>): the session runs the statements
    /// in the order queued. An operation of the batch (<see cref="QueuedStatement"/>), which Marten moves past its result,
    /// not a queued SQL command, which Marten takes to return nothing (a <c>select</c> there shifted every result after it).
    /// </summary>
    public static void Queue(IDocumentSession session, RulesSeen.Snapshot? seen, IReadOnlyCollection<string> keys, IReadOnlyCollection<Guid> visitIds,
        IReadOnlyCollection<string>? keysHeld = null)
    {
        var options = session.DocumentStore.Options;
        var (stale, staleValues) = seen is null ? ("false", []) : RulesSeen.StaleCondition(session, seen);
        var streams = $"{options.Events.DatabaseSchemaName}.mt_streams";
        object?[] values = [.. staleValues, keys.Select(VisitFingerprint.IdOf).ToArray(), session.TenantId, visitIds.ToArray(), session.TenantId,
            (keysHeld ?? []).Select(VisitFingerprint.IdOf).ToArray(), session.TenantId];
        session.QueueOperation(new QueuedStatement(
            $"select {options.DatabaseSchemaName}.{Function}({stale}, " +
            // A probe by primary key per key and id, in scalar subqueries, which PostgreSQL never turns into joins: the
            // joins' generic plans, made while the tables were small, hashed every row of the tenant (6 ms a batch at
            // 14,000 visits; ops/bench/README.md).
            $"exists (select 1 from unnest(?::uuid[]) as k(id) where (select true from {options.TableOf<Visit>()} v where v.tenant_id = ? and v.held_key = k.id)) " +
            $"or exists (select 1 from unnest(?::uuid[]) as s(id) where (select true from {streams} m where m.tenant_id = ? and m.id = s.id)) " +
            // A key the batch's intended duplicates found held must still be held, its holder's row locked until
            // this commit (a void or correction letting it go waits, then passes it to them; one that went first: decide again).
            $"or exists (select 1 from unnest(?::uuid[]) as h(id) where not exists (select 1 from {options.TableOf<Visit>()} v where v.tenant_id = ? and v.held_key = h.id for share)))",
            values.Select(v => (v, (NpgsqlTypes.NpgsqlDbType?)null)).ToList()));
    }

    /// <summary>Whether the write failed because the rules' facts it was decided on changed.</summary>
    public static bool IsStale(Exception e) => Find(e)?.SqlState == StaleSqlState;

    /// <summary>Whether the write failed because a key or id it takes is already taken.</summary>
    public static bool IsTaken(Exception e) => Find(e)?.SqlState == TakenSqlState;

    /// <summary>The guard's function is missing (42883: a schema made before it, or dropped): the caller creates it again.</summary>
    public static bool IsMissing(Exception e) => Find(e) is { } p && IsMissing(p);

    private static bool IsMissing(PostgresException p) => p.SqlState == "42883" && p.MessageText.Contains(Function, StringComparison.Ordinal);

    private static PostgresException? Find(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is PostgresException p) return p;
        return null;
    }
}

/// <summary>
/// The function the guard calls, a schema object of the store (Marten's migration at start creates it, under Marten's
/// own lock when several nodes start at once, like every table and function it manages).
/// </summary>
public sealed class VisitWriteGuardFunction : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options) =>
        options.Storage.ExtendedSchemaObjects.Add(Weasel.Postgresql.Functions.Function.ForSql(
            $"create or replace function {options.DatabaseSchemaName}.{VisitWriteGuard.Function}(stale boolean, taken boolean) returns int language plpgsql as $$ " +
            $"begin " +
            $"if stale then raise exception using errcode = '{VisitWriteGuard.StaleSqlState}', message = 'The facts the visit rules decided on changed: decide again.'; end if; " +
            $"if taken then raise exception using errcode = '{VisitWriteGuard.TakenSqlState}', message = 'A duplicate key or visit id the write takes is taken: decide again.'; end if; " +
            $"return 0; end $$;"));
}

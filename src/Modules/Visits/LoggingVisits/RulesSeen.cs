using System.Collections.Concurrent;
using ContractTherapy.Shared.Persistence;
using ContractTherapy.Shared.Tenancy;
using ContractTherapy.Visits.Eligibility;
using Marten;
using Npgsql;

namespace ContractTherapy.Visits.LoggingVisits;

/// <summary>
/// What the visit rules last read of a tenant on this node, each document with the row version it was read at
/// (PostgreSQL's <c>xmin</c>: any change writes a new row version with its own transaction id), so that the group commit
/// can decide a batch without reading them again and have its write assert, in the same transaction, that nothing it
/// decided on changed (<see cref="QueueAssertion"/>). A change on any node fails that write with
/// <see cref="StaleSqlState"/>; the group commit forgets the tenant and decides the batch again from a fresh read. So a
/// visit is never accepted on stale facts, as it never was on the read it replaces (which took no lock either).
/// A batch's read of these facts was one of its three round trips (ops/bench/README.md, "What the batch's read costs").
/// </summary>
public sealed class RulesSeen
{
    public const string StaleSqlState = "CTV01";
    public const string StaleFunction = "ct_visit_rules_stale";

    /// <summary>The most contractors remembered for one tenant; past it the tenant's memory starts again empty.</summary>
    public const int MaxContractorsPerTenant = 50_000;

    internal sealed record Seen<T>(T? Document, string? Version) where T : class;

    private sealed class TenantFacts
    {
        public Seen<TenantSettings>? Settings;
        public readonly ConcurrentDictionary<Guid, Seen<ContractorEligibility>> Contractors = new();
    }

    /// <summary>
    /// The facts one batch is decided on, frozen when taken: the write asserts exactly these row versions, whatever
    /// another writer remembers meanwhile.
    /// </summary>
    public sealed class Snapshot
    {
        private readonly Seen<TenantSettings> _settings;
        private readonly Dictionary<Guid, Seen<ContractorEligibility>> _contractors;

        internal Snapshot(Seen<TenantSettings> settings, Dictionary<Guid, Seen<ContractorEligibility>> contractors)
        {
            _settings = settings;
            _contractors = contractors;
        }

        public TenantSettings? Settings => _settings.Document;
        public ContractorEligibility? Eligibility(Guid contractor) => _contractors.GetValueOrDefault(contractor)?.Document;
        internal string? SettingsVersion => _settings.Version;
        internal IEnumerable<(Guid Id, string Version)> Versions => _contractors.Select(c => (c.Key, c.Value.Version!));
    }

    private readonly ConcurrentDictionary<string, TenantFacts> _tenants = new();

    public void Forget(string tenant) => _tenants.TryRemove(tenant, out _);

    /// <summary>
    /// The facts for these contractors, if all of them (and the settings) were read before; null if any was not (a
    /// contractor never read, or not found when read: an unknown id is not remembered).
    /// </summary>
    public Snapshot? TryGet(string tenant, IReadOnlyCollection<Guid> contractors)
    {
        if (!_tenants.TryGetValue(tenant, out var facts) || facts.Settings is not { } settings) return null;
        var seen = new Dictionary<Guid, Seen<ContractorEligibility>>(contractors.Count);
        foreach (var id in contractors)
        {
            if (!facts.Contractors.TryGetValue(id, out var c)) return null;
            seen[id] = c;
        }
        return new Snapshot(settings, seen);
    }

    /// <summary>
    /// Reads the settings and these contractors' eligibility with their row versions, in one statement (one snapshot),
    /// and remembers them (a contractor not found is not).
    /// </summary>
    public async Task<Snapshot> Read(IDocumentSession session, IReadOnlyCollection<Guid> contractors, CancellationToken ct)
    {
        var options = session.DocumentStore.Options;
        var serializer = options.Serializer();
        var settingsId = TenantSettings.IdFor(session.TenantId);
        await using var command = new NpgsqlCommand(
            $"select 's', id, xmin::text, data from {options.TableOf<TenantSettings>()} where tenant_id = $1 and id = $2 " +
            $"union all select 'c', id, xmin::text, data from {options.TableOf<ContractorEligibility>()} where tenant_id = $1 and id = any($3)");
        command.Parameters.Add(new NpgsqlParameter { Value = session.TenantId });
        command.Parameters.Add(new NpgsqlParameter { Value = settingsId });
        command.Parameters.Add(new NpgsqlParameter { Value = contractors.ToArray() });
        command.Connection = (NpgsqlConnection)session.Connection!;
        Seen<TenantSettings> settings = new(null, null);
        var eligibility = new Dictionary<Guid, Seen<ContractorEligibility>>();
        await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var version = reader.GetString(2);
                if (reader.GetString(0) == "s") settings = new(serializer.FromJson<TenantSettings>(reader, 3), version);
                else eligibility[reader.GetGuid(1)] = new(serializer.FromJson<ContractorEligibility>(reader, 3), version);
            }
        }

        var facts = _tenants.GetOrAdd(session.TenantId, _ => new TenantFacts());
        if (facts.Contractors.Count + eligibility.Count > MaxContractorsPerTenant) facts.Contractors.Clear();
        facts.Settings = settings;
        foreach (var (id, seen) in eligibility) facts.Contractors[id] = seen;
        return new Snapshot(settings, eligibility);
    }

    /// <summary>
    /// Queues on the write the statement that fails it (<see cref="StaleSqlState"/>) if the settings or any of the
    /// snapshot's contractors' eligibility is no longer the row version the snapshot holds.
    /// </summary>
    public static void QueueAssertion(IDocumentSession session, Snapshot snapshot)
    {
        var options = session.DocumentStore.Options;
        var versions = snapshot.Versions.ToArray();
        session.QueueOperation(new Assertion(
            $"select {options.DatabaseSchemaName}.{StaleFunction}() where exists (select 1 from unnest(?::uuid[], ?::text[]) as c(id, version) " +
            $"left join {options.TableOf<ContractorEligibility>()} e on e.tenant_id = ? and e.id = c.id where e.xmin::text is distinct from c.version) " +
            $"or (select xmin::text from {options.TableOf<TenantSettings>()} where tenant_id = ? and id = ?) is distinct from ?::text",
            [versions.Select(v => v.Id).ToArray(), versions.Select(v => v.Version).ToArray(), session.TenantId, session.TenantId,
                TenantSettings.IdFor(session.TenantId), (object?)snapshot.SettingsVersion ?? DBNull.Value]));
    }

    /// <summary>
    /// The write failed because what it asserted changed, or because the assertion's function is missing (42883: a
    /// schema made by another build); either way, decided again on a fresh read, which asserts nothing.
    /// </summary>
    public static bool IsStale(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is PostgresException p && (p.SqlState == StaleSqlState || p.SqlState == "42883" && p.MessageText.Contains(StaleFunction, StringComparison.Ordinal)))
                return true;
        return false;
    }
}

/// <summary>
/// The assertion as an operation of the write's batch that reads its own (empty) result, so that the operations after it
/// read theirs: Marten's queued SQL commands are taken to return nothing, and a <c>select</c> there shifted every result
/// after it by one (the next document's revision check failed).
/// </summary>
internal sealed class Assertion(string sql, object?[] values) : Weasel.Storage.IStorageOperation
{
    public Type DocumentType => typeof(ContractorEligibility); // a document type of the store (Marten checks it): the table it reads

    public Weasel.Core.OperationRole Role() => Weasel.Core.OperationRole.Other;

    public void ConfigureCommand(Weasel.Core.ICommandBuilder builder, Weasel.Storage.IStorageSession session)
    {
        var parameters = builder.AppendWithDbParameters(sql);
        for (var i = 0; i < parameters.Length; i++)
        {
            // The builder types its parameters as text; these are arrays and a uuid, typed by their values.
            if (parameters[i] is NpgsqlParameter typed) typed.ResetDbType();
            parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }

    public Task PostprocessAsync(System.Data.Common.DbDataReader reader, IList<Exception> exceptions, CancellationToken token) => Task.CompletedTask;
}

/// <summary>The function the assertion calls to fail the write (created, or replaced, at each start).</summary>
public sealed class RulesSeenFunction : StartupStatement
{
    public override string Sql(IReadOnlyStoreOptions options) =>
        $"create or replace function {options.DatabaseSchemaName}.{RulesSeen.StaleFunction}() returns int language plpgsql as $$ " +
        $"begin raise exception using errcode = '{RulesSeen.StaleSqlState}', message = 'The facts the visit rules decided on changed: decide again.'; end $$";
}

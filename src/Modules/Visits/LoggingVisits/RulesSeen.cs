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
/// decided on changed (<see cref="StaleCondition"/>, checked by <see cref="VisitWriteGuard"/>). A change on any node fails
/// that write with <see cref="VisitWriteGuard.StaleSqlState"/>; the group commit forgets the tenant and decides the batch
/// again from a fresh read. So a visit is never accepted on stale facts, as it never was on the read it replaces (which
/// took no lock either: a change committed after the assertion ran and before the write committed was, and is, not seen).
/// A batch's read of these facts was one of its three round trips (ops/bench/README.md, "What the batch's read costs").
/// The row version is a 32-bit transaction id: it could only alias after four billion transactions touched the database
/// while this node kept the same memory, or if the database were swapped for a restored copy under a running node.
/// </summary>
public sealed class RulesSeen
{
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
    /// The SQL condition, true if the settings or any of the snapshot's contractors' eligibility is no longer the row
    /// version the snapshot holds, with its parameters (<c>?</c>) in order.
    /// </summary>
    internal static (string Sql, object?[] Values) StaleCondition(IDocumentSession session, Snapshot snapshot)
    {
        var options = session.DocumentStore.Options;
        var versions = snapshot.Versions.ToArray();
        // Each row probed by its key in a scalar subquery, which PostgreSQL never turns into a join: a join's generic plan,
        // made while the table was small, hashed every row of the tenant (ops/bench/README.md).
        return ($"exists (select 1 from unnest(?::uuid[], ?::text[]) as c(id, version) " +
                $"where (select e.xmin::text from {options.TableOf<ContractorEligibility>()} e where e.tenant_id = ? and e.id = c.id) is distinct from c.version) " +
                $"or (select xmin::text from {options.TableOf<TenantSettings>()} where tenant_id = ? and id = ?) is distinct from ?::text",
            [versions.Select(v => v.Id).ToArray(), versions.Select(v => v.Version).ToArray(), session.TenantId, session.TenantId,
                TenantSettings.IdFor(session.TenantId), snapshot.SettingsVersion]);
    }
}

using Marten;
using Marten.Services;
using Microsoft.Extensions.Hosting;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Persistence;
using Npgsql;

namespace ContractTherapy.Visits.Visits;

/// <summary>
/// Until 2026-12-07 a duplicate key was held by a document of its own (<c>mt_doc_visitfingerprint</c>: the key as its
/// id, the holding visit's id as <c>visitId</c> in its JSON), which voids and corrections deleted. A <see cref="Visit"/> document written then has no
/// <c>holdsKey</c> in its JSON, and Marten's migration adds its <c>held_key</c> column empty. At start, this fills both
/// from those documents, the truth of who held which key (the visits' old events cannot say it for an intended duplicate
/// that took a free key), and drops their table, in one transaction: run once, and a second node starting meanwhile
/// finds nothing left to do.
/// </summary>
public static class KeyHoldersFromFingerprints
{
    public const string LegacyTable = "mt_doc_visitfingerprint";

    /// <summary>The user the upgrade's events are recorded by.</summary>
    public const string Upgrader = "system:upgrade";

    /// <summary>Visits filled; 0 where there was nothing to do.</summary>
    public static async Task<int> MigrateAsync(IDocumentStore store, CancellationToken ct)
    {
        // The Visit table with its held_key column first: the hosted services of Marten's own migration may not have run.
        await store.Storage.Database.EnsureStorageExistsAsync(typeof(Visit), ct).ConfigureAwait(false);
        var schema = store.Options.DatabaseSchemaName;
        var visits = store.Options.TableOf<Visit>();
        var prints = $"{schema}.{LegacyTable}";
        await using var connection = (NpgsqlConnection)store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (var exists = new NpgsqlCommand($"select to_regclass('{prints}') is not null", connection, tx))
            if (await exists.ExecuteScalarAsync(ct).ConfigureAwait(false) is not true) return 0;
        // Another node migrating at the same moment waits here, then finds the table gone.
        await using (var take = new NpgsqlCommand($"lock table {prints} in access exclusive mode", connection, tx))
        {
            try { await take.ExecuteNonQueryAsync(ct).ConfigureAwait(false); }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { return 0; }
        }
        int filled;
        await using (var fill = new NpgsqlCommand(
            // md5(key)::uuid is VisitFingerprint.IdOf(key).
            $"update {visits} v set data = v.data || jsonb_build_object('holdsKey', f.id is not null), held_key = md5(f.id)::uuid " +
            $"from {visits} w left join {prints} f on f.tenant_id = w.tenant_id and (f.data ->> 'visitId')::uuid = w.id " +
            "where w.tenant_id = v.tenant_id and w.id = v.id and not (v.data ? 'holdsKey')", connection, tx) { CommandTimeout = 0 })
            filled = await fill.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        // The holders the visits' own events cannot give back: an intended duplicate logged while its key was free took
        // it. Recorded on the visit's stream, in this transaction, so that a replay or a rebuild folds what was filled.
        var candidates = new List<(string Tenant, Guid Visit)>();
        var events = $"{store.Options.Events.DatabaseSchemaName}.mt_events";
        await using (var find = new NpgsqlCommand(
            $"select f.tenant_id, (f.data ->> 'visitId')::uuid from {prints} f join {events} e on e.tenant_id = f.tenant_id " +
            "and e.stream_id = (f.data ->> 'visitId')::uuid and e.version = 1 where e.data ->> 'duplicateReason' is not null", connection, tx))
        await using (var reader = await find.ExecuteReaderAsync(ct).ConfigureAwait(false))
            while (await reader.ReadAsync(ct).ConfigureAwait(false)) candidates.Add((reader.GetString(0), reader.GetGuid(1)));
        foreach (var tenant in candidates.GroupBy(c => c.Tenant))
        {
            await using var session = UpgradeSession(store, tx, tenant.Key,
                "Upgrade of 2026-12-07: the visit took its duplicate key when it was logged, which its events did not record.");
            foreach (var (_, id) in tenant)
                if (await session.Events.AggregateStreamAsync<Visit>(id, token: ct).ConfigureAwait(false) is { HoldsKey: false })
                    (await session.Events.FetchForWriting<Visit>(id, ct).ConfigureAwait(false)).AppendOne(new VisitKeyHolderCarriedOver(id, true));
            await session.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        await HandOnKeysLeftToNobody(store, connection, tx, ct).ConfigureAwait(false);
        await using (var drop = new NpgsqlCommand($"drop table {prints}", connection, tx))
            await drop.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return filled;
    }

    /// <summary>A tenant's session in the upgrade's transaction, its events recorded by the upgrade and why.</summary>
    private static IDocumentSession UpgradeSession(IDocumentStore store, NpgsqlTransaction tx, string tenant, string reason)
    {
        var options = SessionOptions.ForTransaction(tx);
        options.TenantId = tenant;
        var session = store.LightweightSession(options);
        session.LastModifiedBy = Upgrader;
        session.Because(reason);
        return session;
    }

    /// <summary>
    /// The old code deleted a key's document when its holder was voided or corrected away, and passed the key to nobody:
    /// an intended duplicate that shared it held nothing, and a third identical visit was accepted. Those keys go to the
    /// live visit sharing them with the least id, as <see cref="KeySuccession"/> passes a key on now, recorded on its
    /// stream by the upgrade.
    /// </summary>
    private static async Task HandOnKeysLeftToNobody(IDocumentStore store, NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken ct)
    {
        var tenants = new List<string>();
        await using (var find = new NpgsqlCommand(
            $"select distinct tenant_id from {store.Options.TableOf<Visit>()} where data ->> 'holdsKey' = 'false' and data ->> 'status' <> 'Voided'",
            connection, tx))
        await using (var reader = await find.ExecuteReaderAsync(ct).ConfigureAwait(false))
            while (await reader.ReadAsync(ct).ConfigureAwait(false)) tenants.Add(reader.GetString(0));
        foreach (var tenant in tenants)
        {
            await using var session = UpgradeSession(store, tx, tenant,
                "Upgrade of 2026-12-07: the visit that held this duplicate key was voided or corrected away, and the key was left to " +
                "nobody; the live visit sharing it takes it over.");
            var unheld = await session.Query<Visit>().Where(v => !v.HoldsKey && v.Status != VisitStatus.Voided).ToListAsync(ct).ConfigureAwait(false);
            foreach (var sharing in unheld.GroupBy(v => v.DuplicateKey))
            {
                var key = VisitFingerprint.IdOf(sharing.Key);
                if (await session.Query<Visit>().AnyAsync(v => v.HeldKey == key, ct).ConfigureAwait(false)) continue;
                var successor = sharing.MinBy(v => v.Id)!;
                (await session.Events.FetchForWriting<Visit>(successor.Id, ct).ConfigureAwait(false)).AppendOne(new VisitKeyHolderCarriedOver(successor.Id, true));
            }
            await session.SaveChangesAsync(ct).ConfigureAwait(false);
        }
    }
}

/// <summary>Runs <see cref="KeyHoldersFromFingerprints"/> when the host starts, before it takes requests.</summary>
public sealed class KeyHoldersFromFingerprintsAtStart(IDocumentStore store) : IHostedService
{
    public Task StartAsync(CancellationToken ct) => KeyHoldersFromFingerprints.MigrateAsync(store, ct);

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}

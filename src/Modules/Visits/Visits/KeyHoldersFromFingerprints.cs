using Marten;
using Microsoft.Extensions.Hosting;
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

    /// <summary>Visits filled; 0 where there was nothing to do.</summary>
    public static async Task<int> MigrateAsync(IDocumentStore store, CancellationToken ct)
    {
        // The Visit table with its held_key column first: the hosted services of Marten's own migration may not have run.
        await store.Storage.Database.EnsureStorageExistsAsync(typeof(Visit), ct).ConfigureAwait(false);
        var schema = store.Options.DatabaseSchemaName;
        var visits = $"{schema}.mt_doc_visit";
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
        await using (var drop = new NpgsqlCommand($"drop table {prints}", connection, tx))
            await drop.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return filled;
    }
}

/// <summary>Runs <see cref="KeyHoldersFromFingerprints"/> when the host starts, before it takes requests.</summary>
public sealed class KeyHoldersFromFingerprintsAtStart(IDocumentStore store) : IHostedService
{
    public Task StartAsync(CancellationToken ct) => KeyHoldersFromFingerprints.MigrateAsync(store, ct);

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}

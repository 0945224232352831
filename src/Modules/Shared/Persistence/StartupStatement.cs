using Marten;
using Marten.Schema;

namespace ContractTherapy.Shared.Persistence;

/// <summary>
/// One SQL statement Marten runs at each start, after it applied the schema (registered as an <see cref="IInitialData"/>):
/// the migration of documents stored in an earlier shape. It must be idempotent: every node runs it at every start.
/// </summary>
public abstract class StartupStatement : IInitialData
{
    /// <summary>The statement, for the store's tables (public for the tests that read its plan).</summary>
    public abstract string Sql(IReadOnlyStoreOptions options);

    /// <summary>Sent as it is on a connection of its own (Marten's queued commands may not hold a <c>do</c> block's semicolons).</summary>
    public async Task Populate(IDocumentStore store, CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new Npgsql.NpgsqlCommand(Sql(store.Options), connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}

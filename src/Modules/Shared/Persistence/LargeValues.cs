using Marten;

namespace ContractTherapy.Shared.Persistence;

/// <summary>
/// A transaction that writes hundreds of megabytes of JSON (a cycle close at 50,000 visits: the close's event,
/// the invoices' events and documents, the pay stubs) asks PostgreSQL to compress its large values with lz4
/// rather than the default pglz, which compresses several times slower (one backend, one core, inside the
/// transaction). Only how values are compressed changes: PostgreSQL reads either kind back the same, and the
/// setting ends with the transaction (<c>set local</c>). A server built without lz4 keeps its default.
/// </summary>
public static class LargeValues
{
    private static bool? lz4;

    /// <summary>Whether the server offers lz4 (asked once per process).</summary>
    public static async Task<bool> Lz4AvailableAsync(IQuerySession session, CancellationToken ct) =>
        lz4 ??= (await session.QueryAsync<bool>(
            "select coalesce(bool_or('lz4' = any(enumvals)), false) from pg_settings where name = 'default_toast_compression'", ct)).Single();

    /// <summary>Call inside the session's transaction (after <c>BeginTransactionAsync</c>), before its writes are saved.</summary>
    public static async Task CompressQuicklyAsync(this IDocumentSession session, CancellationToken ct)
    {
        if (await Lz4AvailableAsync(session, ct))
            await session.QueryAsync<int>("select 1 from (select set_config('default_toast_compression', 'lz4', true)) s", ct);
    }
}

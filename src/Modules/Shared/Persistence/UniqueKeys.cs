using System.Collections.Concurrent;
using JasperFx;
using Npgsql;

namespace ContractTherapy.Shared.Persistence;

public static class UniqueKeys
{
    private static readonly ConcurrentDictionary<string, bool> Declared = new(StringComparer.Ordinal);

    /// <summary>
    /// Declares a unique index (besides documents' ids) that a concurrent write may find taken, as a module configures it
    /// (a visit's held duplicate key). A violation of an index nobody declared is not a race the product expects: it stays
    /// an error (500, logged), so a bug in a new unique index is seen rather than answered as a 409.
    /// </summary>
    public static void Declare(string indexName) => Declared[indexName] = true;

    /// <summary>
    /// A unique key taken by a concurrent write, however Marten wraps it: a document's id (its primary key), or a declared
    /// unique index of it (Marten's upsert reports PostgreSQL's 23505 as it is).
    /// </summary>
    public static bool Taken(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
            if (e is DocumentAlreadyExistsException
                || e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: { } constraint }
                && (constraint.EndsWith("_pkey", StringComparison.Ordinal) || Declared.ContainsKey(constraint)))
                return true;
        return false;
    }
}

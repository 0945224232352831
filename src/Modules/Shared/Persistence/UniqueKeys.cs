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
    /// A unique key taken by a concurrent write: a document's id (its table's primary key, which Weasel names
    /// <c>pkey_mt_doc_{type}_{columns}</c>) or a declared unique index. Decided by the constraint PostgreSQL names,
    /// wherever it is in the chain: Marten wraps every unique violation of a document's insert or upsert, whichever index
    /// it was, in a <see cref="DocumentAlreadyExistsException"/>, which counts alone only when it carries no PostgreSQL
    /// error. Any other primary key is no race: the event sequence's (<c>pkey_mt_events_seq_id</c>) behind the data after
    /// a bad restore fails every append, which must be seen (a 500, logged), not answered "saved at the same moment".
    /// Streams' ids and versions taken meanwhile come as Marten's own exceptions (a stream collision, a concurrency
    /// exception), answered 409 by their own rules.
    /// </summary>
    public static bool Taken(Exception exception)
    {
        var alreadyExists = false;
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } violation)
                return violation.ConstraintName is { } name && (name.StartsWith("pkey_mt_doc_", StringComparison.Ordinal) || Declared.ContainsKey(name));
            alreadyExists |= e is DocumentAlreadyExistsException;
        }
        return alreadyExists;
    }
}

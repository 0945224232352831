using JasperFx;
using Npgsql;

namespace ContractTherapy.Shared.Persistence;

public static class UniqueKeys
{
    /// <summary>
    /// A unique key taken by a concurrent write, however Marten wraps it: a document's id, or another unique column of it
    /// (a visit's held duplicate key: Marten's upsert reports PostgreSQL's 23505 as it is).
    /// </summary>
    public static bool Taken(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
            if (e is DocumentAlreadyExistsException or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }) return true;
        return false;
    }
}

using Marten;

namespace ContractTherapy.Shared.Persistence;

/// <summary>
/// Serializes, per tenant, the writes that change how visits are billed: closing a cycle and
/// correcting, voiding or signing the note of a visit. Each writes the Invoicing module's billable-visit documents
/// (the close deletes those of its visits, the others fold the visit's events into them); run at the same moment, the
/// later commit would overwrite the other's write: a correction could escape its adjustment, a note signed during the
/// close bring back a document the close deleted (and the visit be billed twice). The lock is
/// a PostgreSQL transaction-scoped advisory lock taken before anything is read, released at commit.
/// </summary>
public static class BillingLock
{
    public static async Task SerializeBillingChangesAsync(this IDocumentSession session, string tenant, CancellationToken ct)
    {
        await session.BeginTransactionAsync(ct);
        await session.QueryAsync<int>("select 1 from pg_advisory_xact_lock(hashtext(?))", ct, KeyFor(tenant));
    }

    /// <summary>The lock's key (hashed by PostgreSQL's <c>hashtext</c>).</summary>
    public static string KeyFor(string tenant) => $"contracttherapy:billing:{tenant}";
}

using Marten;

namespace ContractTherapy.Shared.Persistence;

/// <summary>
/// Serializes, per tenant, the writes that change how visits are billed: closing a cycle and
/// correcting or voiding a visit. Both update the Invoicing module's billable-visit documents
/// (one from the close, one from the visit's events); run at the same moment, the later commit
/// would overwrite the other's update and a correction could escape its adjustment. The lock is
/// a PostgreSQL transaction-scoped advisory lock taken before anything is read, released at commit.
/// </summary>
public static class BillingLock
{
    public static async Task SerializeBillingChangesAsync(this IDocumentSession session, string tenant, CancellationToken ct)
    {
        await session.BeginTransactionAsync(ct);
        await session.QueryAsync<int>("select 1 from pg_advisory_xact_lock(hashtext(?))", ct, $"contracttherapy:billing:{tenant}");
    }
}

using Marten;

namespace ContractTherapy.Shared.Persistence;

/// <summary>
/// How one module asks whether another module's stream exists without reading its documents
/// or referencing its types: by the stream's declared aggregate type name, in the caller's
/// tenant (the session is tenant-scoped, so another tenant's ids look unknown).
/// </summary>
public static class Streams
{
    public const string Agency = "Agency";
    public const string Contractor = "Contractor";
    public const string BillingCycle = "BillingCycle";

    public static async Task<bool> ExistsAsync(this IQuerySession session, Guid id, string aggregateTypeName, CancellationToken ct)
    {
        var state = await session.Events.FetchStreamStateAsync(id, ct);
        return state?.AggregateType?.Name == aggregateTypeName;
    }

    /// <summary>Whether the stream has recorded an event of the given type (by its stored name, e.g. <c>cycle_closed</c>).</summary>
    public static async Task<bool> HasEventAsync(this IQuerySession session, Guid id, string eventTypeName, CancellationToken ct) =>
        await session.Events.QueryAllRawEvents().Where(e => e.StreamId == id && e.EventTypeName == eventTypeName).AnyAsync(ct);
}

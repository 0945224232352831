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

    public static async Task<bool> ExistsAsync(this IQuerySession session, Guid id, string aggregateTypeName, CancellationToken ct)
    {
        var state = await session.Events.FetchStreamStateAsync(id, ct);
        return state?.AggregateType?.Name == aggregateTypeName;
    }
}

using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Audit;

public sealed record BrokenLink(long Sequence, Guid StreamId, string Type);

/// <summary><see cref="PendingEvents"/>: the newest events the chain has not linked yet (it follows within moments).</summary>
public sealed record ChainVerification(bool Valid, long EventsVerified, long PendingEvents, BrokenLink? BrokenAt);

/// <summary><c>GET /api/audit/verify</c>: recomputes the tenant's hash chain from the events and names the first event that no longer matches.</summary>
public static class VerifyEndpoint
{
    private const int Page = 1000;

    [WolverineGet("/api/audit/verify"), Authorize(Policy = Policies.AuditRead), Tags("Audit")]
    [ProducesResponseType<ChainVerification>(StatusCodes.Status200OK)]
    public static async Task<ChainVerification> Get(IQuerySession session, IDocumentStore store, CancellationToken ct)
    {
        var head = AuditChain.Genesis;
        long after = 0, verified = 0, pending = 0;
        while (true)
        {
            var events = await session.Events.QueryAllRawEvents().Where(e => e.Sequence > after).OrderBy(e => e.Sequence).Take(Page).ToListAsync(ct);
            if (events.Count == 0) break;
            var ids = events.Select(e => e.Sequence).ToArray();
            var links = (await session.LoadManyAsync<ChainLink>(ct, ids)).ToDictionary(l => l.Id, l => l.Hash);
            foreach (var e in events)
            {
                if (!links.TryGetValue(e.Sequence, out var stored))
                {
                    pending++;
                    continue;
                }
                if (pending > 0) return new ChainVerification(false, verified, pending, new BrokenLink(e.Sequence, e.StreamId, e.EventTypeName));
                head = AuditChain.Link(head, AuditChain.Canonical(e, EventShapes.Json(e.Data, store.Options.Serializer())));
                if (head != stored) return new ChainVerification(false, verified, 0, new BrokenLink(e.Sequence, e.StreamId, e.EventTypeName));
                verified++;
            }
            after = events[^1].Sequence;
        }
        return new ChainVerification(true, verified, pending, null);
    }
}

using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using ContractTherapy.Shared.Persistence;
using Marten;
using Marten.Subscriptions;
using Microsoft.Extensions.DependencyInjection;

namespace ContractTherapy.Audit;

/// <summary>One link of a tenant's hash chain: the event's sequence and the hash that covers it and every link before.</summary>
public sealed class ChainLink
{
    public long Id { get; set; }
    public string Hash { get; set; } = "";
}

/// <summary>
/// Tamper evidence beyond the event store itself: a hash chain per tenant over its events in
/// sequence order. Each link is SHA-256 of the previous link and the event's canonical form
/// (sequence, stream, version, type, timestamp, user, correlation, causation, headers, data).
/// Links are written after the fact by a subscription that Wolverine runs (like the async
/// projections), so an event altered in the database afterwards no longer matches its link.
/// </summary>
public static class AuditChain
{
    public static string Canonical(IEvent e, string dataJson)
    {
        var headers = e.Headers is null ? "{}" : JsonSerializer.Serialize(new SortedDictionary<string, string?>(
            e.Headers.ToDictionary(h => h.Key, h => h.Value?.ToString()), StringComparer.Ordinal));
        return string.Join('|', e.Sequence, e.StreamId, e.Version, e.EventTypeName, e.Timestamp.UtcTicks, e.TenantId, e.UserName,
            e.CorrelationId, e.CausationId, headers, dataJson);
    }

    public static string Link(string previous, string canonical) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(previous + "\n" + canonical)));

    public const string Genesis = "";
}

public sealed class AuditChainSubscription(IServiceProvider services) : SubscriptionBase
{
    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller, IDocumentOperations operations,
        CancellationToken ct)
    {
        var options = services.GetRequiredService<IDocumentStore>().Options;
        var serializer = options.Serializer();
        // The links are written through the daemon's own operations, so they commit in one transaction
        // with the subscription's progress: one round trip per page, however many tenants it holds, and
        // one statement a tenant (ChainLinks), not one a link.
        foreach (var tenantEvents in page.Events.GroupBy(e => e.TenantId))
        {
            var tenant = operations.ForTenant(tenantEvents.Key);
            // The previous link is read from the database, never remembered: a range delivered again
            // (after a failure, or on another node) links onto exactly what is stored before it.
            var first = tenantEvents.Min(e => e.Sequence);
            var last = await tenant.Query<ChainLink>().Where(l => l.Id < first).OrderByDescending(l => l.Id).FirstOrDefaultAsync(ct);
            var head = last?.Hash ?? AuditChain.Genesis;
            var links = new List<ChainLink>();
            foreach (var e in tenantEvents.OrderBy(e => e.Sequence))
            {
                head = AuditChain.Link(head, AuditChain.Canonical(e, EventShapes.Json(e.Data, serializer)));
                links.Add(new ChainLink { Id = e.Sequence, Hash = head });
            }
            tenant.QueueOperation(ChainLinks.Store(options, tenantEvents.Key, links));
        }
        return NullChangeListener.Instance;
    }
}

/// <summary>
/// A page's links of one tenant stored as one statement: the rows Marten's <c>Store</c> writes for each (an upsert, so a
/// range delivered again overwrites its links), one <c>insert ... select</c> for them all. The daemon's batch held one
/// upsert a link, a statement for every event logged (ops/bench/README.md, "The batch's rows as one statement").
/// <para>The statement returns a row, as each <c>Store</c> did: the daemon checks its progression's update (queued first
/// in the page) by the reader's count of affected rows, and Npgsql adds to that count every statement after it that returns
/// no rows, up to the first that does; a statement returning nothing would hide a second runner of the subscription.</para>
/// </summary>
public static class ChainLinks
{
    public static QueuedStatement Store(IReadOnlyStoreOptions options, string tenant, IReadOnlyList<ChainLink> links)
    {
        var serializer = options.Serializer();
        return new QueuedStatement(
            $"with w as (insert into {options.TableOf<ChainLink>()} (tenant_id, id, data, mt_version, mt_dotnet_type, mt_last_modified) " +
            "select ?, x.id, x.data, x.version, ?, transaction_timestamp() from unnest(?::bigint[], ?::jsonb[], ?::uuid[]) as x(id, data, version) " +
            "on conflict (tenant_id, id) do update set data = excluded.data, mt_version = excluded.mt_version, " +
            "mt_dotnet_type = excluded.mt_dotnet_type, mt_last_modified = excluded.mt_last_modified returning 1) select count(*) from w",
            [
                (tenant, null), (typeof(ChainLink).FullName, null), (links.Select(l => l.Id).ToArray(), null),
                (links.Select(l => serializer.ToJson(l)).ToArray(), NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Jsonb),
                (links.Select(_ => Guid.CreateVersion7()).ToArray(), null),
            ]);
    }
}

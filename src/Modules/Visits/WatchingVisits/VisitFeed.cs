using System.Collections.Concurrent;
using System.Threading.Channels;
using ContractTherapy.Shared.Domain;
using ContractTherapy.Visits.Visits;
using Marten;
using Marten.Services;

namespace ContractTherapy.Visits.WatchingVisits;

/// <summary>What the live feed shows of a new visit: no patient data (open the visit to see it, which is logged).</summary>
public sealed record VisitArrived(Guid Id, Guid ContractorId, Guid AgencyId, DateOnly VisitDate, Discipline Discipline, VisitType VisitType,
    bool NoteSigned);

/// <summary>
/// Fans committed <see cref="VisitLogged"/> events out to the live-feed subscribers of their
/// tenant on this node. Fed after commit by <see cref="VisitFeedListener"/>, so a subscriber
/// never sees a visit that was rolled back. A slow subscriber loses the oldest items rather
/// than slowing the writes.
/// </summary>
public sealed class VisitFeed
{
    private readonly ConcurrentDictionary<Guid, (string Tenant, Channel<VisitArrived> Channel)> _subscribers = new();

    public (Guid Id, ChannelReader<VisitArrived> Reader) Subscribe(string tenant)
    {
        var channel = Channel.CreateBounded<VisitArrived>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });
        var id = Guid.NewGuid();
        _subscribers[id] = (tenant, channel);
        return (id, channel.Reader);
    }

    public void Unsubscribe(Guid id)
    {
        if (_subscribers.TryRemove(id, out var s)) s.Channel.Writer.TryComplete();
    }

    public void Publish(string tenant, VisitArrived visit)
    {
        foreach (var (_, (t, channel)) in _subscribers)
            if (t == tenant) channel.Writer.TryWrite(visit);
    }

    public bool HasSubscribers => !_subscribers.IsEmpty;
}

public sealed class VisitFeedListener(VisitFeed feed) : DocumentSessionListenerBase
{
    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        if (!feed.HasSubscribers) return Task.CompletedTask;
        foreach (var e in commit.GetEvents())
            if (e.Data is VisitLogged v)
                feed.Publish(e.TenantId, new VisitArrived(v.VisitId, v.ContractorId, v.AgencyId, v.VisitDate, v.Discipline, v.VisitType, v.NoteSigned));
        return Task.CompletedTask;
    }
}

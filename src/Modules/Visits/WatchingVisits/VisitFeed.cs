using System.Collections.Concurrent;
using System.Threading.Channels;
using ContractTherapy.Shared.Domain;
using ContractTherapy.Visits.Visits;
using JasperFx.Events;
using Marten;
using Marten.Services;

namespace ContractTherapy.Visits.WatchingVisits;

/// <summary>What the live feed shows of a new visit: no patient data (open the visit to see it, which is logged).</summary>
public sealed record VisitArrived(Guid Id, Guid ContractorId, Guid AgencyId, DateOnly VisitDate, Discipline Discipline, VisitType VisitType,
    bool NoteSigned);

/// <summary>
/// Fans committed <see cref="VisitLogged"/> events out to the live-feed subscribers of their
/// tenant on this node. Two paths feed it: the group commit after this node's own commits (at once,
/// <see cref="LoggingVisits.VisitGroupCommit"/>), and <see cref="VisitFeedPoller"/> with what it reads from the event store
/// (other nodes' visits). Each event is shown once whichever path comes first (<see cref="TryShow"/>).
/// Only committed events reach it, so a subscriber never sees a visit that was rolled back.
/// A slow subscriber loses the oldest items rather than slowing the writes.
/// </summary>
public sealed class VisitFeed
{
    private readonly ConcurrentDictionary<Guid, (string Tenant, Channel<VisitArrived> Channel)> _subscribers = new();
    private readonly Lock _gate = new();
    // Event id -> its sequence (long.MaxValue while it is unknown) and when it was first shown.
    // Forgotten once the poller's floor passes the sequence (the poller never reads it again) and it
    // was shown at least ForgetAfter ago: the group commit may offer this node's own event late (a
    // starved thread pool), after the poller already showed it, and must then still find it. The chaos scenario two-nodes saw 2 such repeats in 82,685 deliveries.
    private readonly Dictionary<Guid, (long Sequence, long ShownAt)> _shown = [];

    /// <summary>How long an event shown stays remembered after the poller's floor passed it.</summary>
    public TimeSpan ForgetAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Milliseconds of a monotonic clock (tests move it).</summary>
    public Func<long> Now { get; init; } = () => Environment.TickCount64;
    private TaskCompletionSource _watched = New();
    private TaskCompletionSource _following = New();

    public (Guid Id, ChannelReader<VisitArrived> Reader) Subscribe(string tenant)
    {
        var channel = Channel.CreateBounded<VisitArrived>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });
        var id = Guid.NewGuid();
        lock (_gate)
        {
            _subscribers[id] = (tenant, channel);
            _watched.TrySetResult();
        }
        return (id, channel.Reader);
    }

    public void Unsubscribe(Guid id)
    {
        if (_subscribers.TryRemove(id, out var s)) s.Channel.Writer.TryComplete();
    }

    public bool HasSubscribers => !_subscribers.IsEmpty;

    /// <summary>Completes when someone watches; while nobody does, the poller waits here and reads nothing.</summary>
    public Task WhenWatched()
    {
        lock (_gate) return _watched.Task;
    }

    /// <summary>
    /// Completes once the poller follows the event store: from then on every visit committed is
    /// shown. The endpoint waits for it before it says <c>connected</c>, so a visit logged on another
    /// node just after a first watcher connects is not taken for history.
    /// </summary>
    public Task Following()
    {
        lock (_gate) return _following.Task;
    }

    public void StartedFollowing()
    {
        lock (_gate) _following.TrySetResult();
    }

    /// <summary>
    /// The poller stops only if nobody watches, decided under the same lock as <see cref="Subscribe"/>:
    /// a watcher arriving at that moment either keeps the poller going or waits for it to start again.
    /// </summary>
    public bool TryStopFollowing()
    {
        lock (_gate)
        {
            if (!_subscribers.IsEmpty) return false;
            _watched = New();
            _following = New();
            _shown.Clear();
            return true;
        }
    }

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Shows a committed visit to its tenant's subscribers unless it was shown already.</summary>
    public void Show(IEvent e)
    {
        if (e.Data is VisitLogged v && TryShow(e.Id, e.Sequence))
            Publish(e.TenantId, new VisitArrived(v.VisitId, v.ContractorId, v.AgencyId, v.VisitDate, v.Discipline, v.VisitType, v.NoteSigned));
    }

    /// <summary>True the first time an event is offered; records its sequence when it becomes known.</summary>
    public bool TryShow(Guid eventId, long sequence)
    {
        var known = sequence > 0 ? sequence : long.MaxValue;
        lock (_gate)
        {
            if (_shown.TryGetValue(eventId, out var seen))
            {
                if (known < seen.Sequence) _shown[eventId] = seen with { Sequence = known };
                return false;
            }
            _shown[eventId] = (known, Now());
            return true;
        }
    }

    /// <summary>
    /// Forgets the events at or below the poller's floor (it never reads them again) that were shown
    /// at least <see cref="ForgetAfter"/> ago (a late listener still finds them).
    /// </summary>
    public void ForgetUpTo(long floor)
    {
        var before = Now() - (long)ForgetAfter.TotalMilliseconds;
        lock (_gate)
        {
            foreach (var (id, seen) in _shown.ToList())
                if (seen.Sequence <= floor && seen.ShownAt <= before) _shown.Remove(id);
        }
    }

    private void Publish(string tenant, VisitArrived visit)
    {
        foreach (var (_, (t, channel)) in _subscribers)
            if (t == tenant) channel.Writer.TryWrite(visit);
    }
}

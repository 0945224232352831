using ContractTherapy.Visits.Visits;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ContractTherapy.Visits.WatchingVisits;

/// <summary>
/// Brings the visits other nodes log to this node's live-feed subscribers, without a NOTIFY or
/// anything else in the visit's transaction (ops/bench/README.md: a NOTIFY cost the write path
/// 15-25%). While somebody watches on this node it reads the <see cref="VisitLogged"/> events
/// above a floor every <see cref="PollInterval"/>; while nobody does, it reads nothing.
/// <para>
/// The floor is Marten's high-water mark, read before the events: every sequence at or below it
/// is committed or a gap Marten proved will never be filled, so nothing below it can still
/// appear. Events above it are read on every poll, so a transaction that commits late with a lower
/// sequence than one already shown is still picked up; <see cref="VisitFeed.TryShow"/> keeps each
/// event to one showing (also against the group commit's showing of this node's own). If the high-water agent is away
/// (its node died, another takes it over), the floor waits and the window grows, but nothing is
/// missed or shown twice.
/// </para>
/// </summary>
public sealed class VisitFeedPoller(VisitFeed feed, IDocumentStore store, ILogger<VisitFeedPoller> log) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>Null while nobody watches; kept across a failed read so a database blip loses nothing.</summary>
    private long? _floor;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await feed.WhenWatched().WaitAsync(stoppingToken);
                await FollowWhileWatched(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database restarting or away: the feed pauses and catches up, the writes are not concerned.
                log.LogWarning(e, "The live feed could not read the event store; trying again");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task FollowWhileWatched(CancellationToken ct)
    {
        if (_floor is null)
        {
            // What is already committed when the first watcher arrives is history: marked, not shown.
            var start = await HighWaterMark(ct);
            foreach (var e in await VisitsAbove(start, ct)) feed.TryShow(e.Id, e.Sequence);
            _floor = start;
            feed.StartedFollowing();
        }

        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(PollInterval, ct);
            var highWater = await HighWaterMark(ct);
            foreach (var e in await VisitsAbove(_floor.Value, ct)) feed.Show(e);
            _floor = Math.Max(_floor.Value, highWater);
            feed.ForgetUpTo(_floor.Value);
            if (!feed.HasSubscribers && feed.TryStopFollowing())
            {
                _floor = null;
                return;
            }
        }
    }

    private async Task<long> HighWaterMark(CancellationToken ct)
    {
        var progress = await store.Advanced.AllProjectionProgress(token: ct);
        return progress.FirstOrDefault(p => p.ShardName == ShardState.HighWaterMark)?.Sequence ?? 0;
    }

    private async Task<IReadOnlyList<JasperFx.Events.IEvent>> VisitsAbove(long floor, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        return await session.Events.QueryAllRawEvents()
            .Where(e => e.AnyTenant() && e.Sequence > floor && e.EventTypesAre(typeof(VisitLogged)))
            .OrderBy(e => e.Sequence)
            .ToListAsync(ct);
    }
}

using JasperFx.Events.Daemon.HighWater;
using Marten;
using Marten.Services;

namespace ContractTherapy.Host.Infrastructure;

/// <summary>
/// Wakes the projection daemon's high-water agent as soon as this node commits events, instead of
/// letting it sleep out its polling interval (the 1099 totals and the audit chain trailed writes
/// by up to a second at rest that way, more with a gap to wait out).
/// <para>
/// In process: a session listener pulses a semaphore after each commit that appended events, and the
/// visits' group commit after each of its commits (its events are written by a statement of its own,
/// which no session listener sees: <c>IEventsCommitted</c>), so the write path pays nothing. PostgreSQL NOTIFY (Marten's <c>UseListenNotifyForEventAppends</c>)
/// would also wake the agent for other nodes' writes, but commits that notify are serialized by
/// PostgreSQL and cost 15-25% of visit throughput (ops/bench/README.md); other nodes' writes are
/// picked up by the (short) polling interval instead.
/// </para>
/// <para>
/// The agent polls at most once per <see cref="QuietInterval"/> (50 ms), so the wakeups cannot turn
/// into a busy loop of high-water queries, and at most once per <see cref="BusyInterval"/> (200 ms)
/// while commits keep coming: when a commit already landed while the agent worked on its last wake.
/// Under load another transaction is nearly always in flight, so the agent nearly always meets a gap
/// in the sequence, and Marten then probes every event from the mark onwards (a window function and
/// two scans over a few hundred events). Every 50 ms under load, those probes were 0.05-0.09 ms of
/// PostgreSQL's time a visit, a fifth of all its statements' time; every 200 ms they fall out of the
/// statement list (ops/bench/README.md, "The high-water agent's gap probe"). A write after a quiet
/// moment still wakes the agent at once.
/// </para>
/// </summary>
public sealed class AppendWakeup : DocumentSessionListenerBase, IDaemonWakeup, ContractTherapy.Shared.Persistence.IEventsCommitted
{
    public static readonly TimeSpan QuietInterval = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan BusyInterval = TimeSpan.FromMilliseconds(200);

    // At most one pending wake: the agent re-reads the real high-water mark on every cycle, so one
    // wake covers everything committed so far. Sticky, so a commit between two waits is not lost.
    private readonly SemaphoreSlim _signal = new(0, 1);
    private long _lastWokeAt;

    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        if (commit.GetEvents().Any()) Pulse();
        return Task.CompletedTask;
    }

    public void Pulse()
    {
        if (_signal.CurrentCount != 0) return;
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Another commit pulsed in between; one pending wake is all that is needed.
        }
    }

    public async Task WaitAsync(TimeSpan timeout, CancellationToken token)
    {
        var sinceLast = TimeSpan.FromTicks(Environment.TickCount64 * TimeSpan.TicksPerMillisecond - Interlocked.Read(ref _lastWokeAt));
        var delay = DelayBeforeWake(busy: _signal.CurrentCount != 0, sinceLast);
        if (delay > TimeSpan.Zero) await Task.Delay(delay, token).ConfigureAwait(false);
        // The agent's timeout bounds the whole wait, delay included (a wait of zero takes a pending pulse if there is one).
        await _signal.WaitAsync(delay >= timeout ? TimeSpan.Zero : timeout - delay, token).ConfigureAwait(false);
        Interlocked.Exchange(ref _lastWokeAt, Environment.TickCount64 * TimeSpan.TicksPerMillisecond);
    }

    /// <summary>
    /// How long the agent waits before it may look again: busy (a commit landed since the last wake, while the
    /// agent worked) it keeps <see cref="BusyInterval"/> between two looks, else <see cref="QuietInterval"/>.
    /// </summary>
    public static TimeSpan DelayBeforeWake(bool busy, TimeSpan sinceLastWake)
    {
        var interval = busy ? BusyInterval : QuietInterval;
        return sinceLastWake < interval ? interval - sinceLastWake : TimeSpan.Zero;
    }

    /// <summary>The agent may still wait on the semaphore while it stops; it holds no unmanaged resource.</summary>
    public void Dispose()
    {
    }
}

using System.Threading.Channels;
using ContractTherapy.Shared.Persistence;
using ContractTherapy.Shared.Tenancy;
using ContractTherapy.Visits.WatchingVisits;
using ContractTherapy.Visits.Eligibility;
using ContractTherapy.Visits.Visits;
using JasperFx.Events;
using Marten;
using JasperFx;
using Marten.Exceptions;

namespace ContractTherapy.Visits.LoggingVisits;

/// <summary>Who logged a visit, as its event records it (what <c>AuditStamp</c> and Wolverine put on a session's events).</summary>
public sealed record VisitAuthor(string? UserId, string? Role, string? CorrelationId);

/// <summary>
/// A visit as the endpoint checked it (shape, rights, sealed patient), with everything the rules that need the
/// database still have to decide: the contractor's eligibility, the tenant's settings, a probable duplicate.
/// The event's <c>VisitId</c> is the visit's id if it is created (derived from the Idempotency-Key when there is one,
/// <see cref="KeyedId"/>).
/// </summary>
public sealed record VisitDraft(
    string TenantId,
    Guid? KeyedId,
    string DuplicateKey,
    bool Intended,
    VisitLogged Logged,
    VisitAuthor Author)
{
    public Guid Id => Logged.VisitId;
}

/// <summary>What became of a draft, each answered only after the transaction that decided it committed.</summary>
public abstract record VisitOutcome
{
    /// <summary>Logged now.</summary>
    public sealed record Created(Visit Visit) : VisitOutcome;

    /// <summary>An earlier attempt with the same Idempotency-Key committed this visit (its answer was lost).</summary>
    public sealed record Replayed(Visit Earlier) : VisitOutcome;

    /// <summary>The Idempotency-Key's visit is another visit: the key was reused.</summary>
    public sealed record KeyReused : VisitOutcome;

    public sealed record Refused(Refusal Refusal) : VisitOutcome;

    public sealed record ProbableDuplicate(Guid ExistingVisitId) : VisitOutcome;
}

public sealed class VisitGroupCommitOptions
{
    /// <summary>Transactions in flight at once; each takes every visit waiting when it starts.</summary>
    public int Writers { get; set; } = 2;

    /// <summary>The most visits one transaction takes.</summary>
    public int MaxBatch { get; set; } = 64;
}

/// <summary>
/// Group commit of logged visits (issue 9): the visits that arrive while a transaction is in flight go
/// together in the next one, with one write and WAL flush, instead of three round trips and a flush each.
/// <list type="bullet">
/// <item>Nothing waits for a batch to fill: a writer takes whatever is waiting when it is free, so a lone
/// visit goes at once, and under load the batches grow by themselves.</item>
/// <item>Each request is answered after its own transaction committed, never before.</item>
/// <item>Each visit is decided as it would be alone, in arrival order: a visit whose duplicate key an earlier
/// visit of the same batch takes is a probable duplicate of that visit, as it would be a moment later.</item>
/// <item>The rules' facts (eligibility, settings) are those this node last read, and the write asserts their row
/// versions in the same transaction (<see cref="RulesSeen"/>); a change since, or a refusal, decides the batch again on
/// a fresh read. The duplicate guard and a keyed visit's earlier attempt are found at insert, by their keys.</item>
/// <item>A refusal is an answer, not a failure: it does not touch the others. A write that fails on a
/// conflict (a duplicate or an id committed meanwhile by another node or batch) is decided again as a batch with
/// what is committed probed, then, if it conflicts again, one visit at a time, so only the visit in conflict hears
/// of it; any other failure (the database away) fails the batch's requests with it, as it would have failed each of
/// them alone.</item>
/// <item>Each event keeps its own author, role and correlation id (Marten keeps metadata set on the event).</item>
/// </list>
/// </summary>
public sealed class VisitGroupCommit : IAsyncDisposable
{
    private readonly IDocumentStore _store;
    private readonly TimeProvider _clock;
    private readonly VisitGroupCommitOptions _options;
    private readonly ILoggedVisitWriter[] _writersOfOtherModules;
    private readonly VisitFeed? _feed;
    private readonly IEventsCommitted? _wakeup;
    /// <summary>What this node remembers of the rules' facts (tests stand in for the other writer with it).</summary>
    internal RulesSeen RulesSeen { get; } = new();

    /// <summary>
    /// For tests: run after a batch was decided on remembered facts and before its write, to race a change (and the
    /// other writer's read of it) into that moment. Null in the product.
    /// </summary>
    internal Func<string, Task>? AfterDecidingOnSeen { get; set; }
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Task[] _writers;

    private sealed record Pending(VisitDraft Draft, TaskCompletionSource<VisitOutcome> Done);

    public VisitGroupCommit(IDocumentStore store, TimeProvider clock, VisitGroupCommitOptions options, IEnumerable<ILoggedVisitWriter> writers,
        VisitFeed? feed = null)
    {
        _store = store;
        _feed = feed;
        _wakeup = (store.Options as StoreOptions)?.Projections.Wakeup as IEventsCommitted;
        _clock = clock;
        _options = options;
        _writersOfOtherModules = writers.ToArray();
        _writers = Enumerable.Range(0, Math.Max(1, options.Writers)).Select(_ => Task.Run(WriteLoop)).ToArray();
    }

    /// <summary>Transactions committed so far, and the visits they logged (the tests read them to see the batching).</summary>
    public long Transactions => Interlocked.Read(ref _transactions);
    public long VisitsWritten => Interlocked.Read(ref _visits);
    private long _transactions;
    private long _visits;

    /// <summary>Decides and, if accepted, commits the visit; completes once its transaction committed.</summary>
    public Task<VisitOutcome> Submit(VisitDraft draft)
    {
        var pending = new Pending(draft, new TaskCompletionSource<VisitOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(VisitGroupCommit), "The host is stopping.");
        return pending.Done.Task;
    }

    /// <summary>
    /// Decides and commits these drafts in one transaction, as a writer does with what it takes from the queue
    /// (a conflict decided again as in a writer's batch): one task per draft, in order. For tests; requests go through <see cref="Submit"/>.
    /// </summary>
    internal Task<VisitOutcome>[] CommitTogether(string tenant, IReadOnlyList<VisitDraft> drafts)
    {
        var group = drafts.Select(d => new Pending(d, new TaskCompletionSource<VisitOutcome>(TaskCreationOptions.RunContinuationsAsynchronously))).ToList();
        _ = CommitGroup(tenant, group);
        return group.Select(p => p.Done.Task).ToArray();
    }

    private async Task WriteLoop()
    {
        var reader = _queue.Reader;
        var batch = new List<Pending>(_options.MaxBatch);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < _options.MaxBatch && reader.TryRead(out var p)) batch.Add(p);
            if (batch.Count == 0) continue;
            foreach (var tenant in batch.GroupBy(p => p.Draft.TenantId))
                await CommitGroup(tenant.Key, tenant.ToList()).ConfigureAwait(false);
        }
    }

    private async Task CommitGroup(string tenant, List<Pending> group)
    {
        // As it comes first. On a conflict (a duplicate key, or an id another transaction took: a keyed visit's earlier
        // attempt committed, its answer lost) nothing of the batch committed: the batch once more, probing what is already
        // committed, so that the visit in conflict is answered as a duplicate, a replay or a reused key and the others are
        // written together. If that meets a conflict too (yet another commit raced it, or an id another stream holds),
        // each visit alone, so only the one in conflict hears of it.
        List<Pending> again = [];
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                var outcomes = await Write(tenant, group, retrying: attempt > 0).ConfigureAwait(false);
                again = [];
                for (var i = 0; i < group.Count; i++)
                    if (outcomes[i] is { } outcome) group[i].Done.TrySetResult(outcome);
                    else again.Add(group[i]);
                break;
            }
            catch (Exception e) when (IsConflict(e))
            {
                again = group;
            }
            catch (Exception e)
            {
                foreach (var p in group) p.Done.TrySetException(e);
                return;
            }
        }

        foreach (var p in again)
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    p.Done.TrySetResult((await Write(tenant, [p], retrying: true).ConfigureAwait(false))[0]!);
                    break;
                }
                catch (Exception e) when (attempt == 0 && IsConflict(e))
                {
                    // Its key or id was committed after this retry's probes read (a twin on the other writer or node, seen
                    // by the guard, or still in flight then and met by the insert): once more, now that the probes see it,
                    // for the answer it would get alone (409 naming the earlier visit, or its keyed attempt's replay).
                }
                catch (Exception e)
                {
                    // Still in conflict (an id that belongs to a stream that is not a visit): a conflict, which the API
                    // answers 409 whatever Marten or the guard called it.
                    p.Done.TrySetException(IsConflict(e)
                        ? new ConcurrencyException("The visit's id or duplicate key is taken by another record.", e) : e);
                    break;
                }
            }
        }
    }

    /// <summary>A conflict another transaction's commit caused; the same visits alone may well succeed or get their own answer.</summary>
    private static bool IsConflict(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is DocumentAlreadyExistsException or Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException
                or ConcurrencyException) return true;
            if (x is Npgsql.PostgresException { SqlState: "23505" or "40001" or "40P01" or VisitWriteGuard.TakenSqlState }) return true;
        }
        return false;
    }

    /// <summary>The outcome of each draft; null for one to decide again on its own once this transaction committed.</summary>
    private async Task<VisitOutcome?[]> Write(string tenant, List<Pending> group, bool retrying)
    {
        var drafts = group.Select(p => p.Draft).ToArray();
        var contractorIds = drafts.Select(d => d.Logged.ContractorId).Distinct().ToArray();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // Decided first on the contractors' eligibility and the tenant's settings as this node last read them, the
                // write asserting they are unchanged (RulesSeen); if those cannot decide the batch (a refusal, or a change
                // since), on a fresh read in the transaction, as every batch once was. A retry reads afresh.
                if (!retrying && RulesSeen.TryGet(tenant, contractorIds) is { } seen
                    && await TryWrite(tenant, drafts, contractorIds, retrying, seen).ConfigureAwait(false) is { } outcomes)
                    return outcomes;
                return (await TryWrite(tenant, drafts, contractorIds, retrying, seen: null).ConfigureAwait(false))!;
            }
            catch (Exception e) when (attempt == 0 && VisitWriteGuard.IsMissing(e))
            {
                // The guard's function is not in the database (a schema made before it, or dropped since): Marten's migration
                // makes again what its configuration holds and the database lacks.
                await _store.Storage.ApplyAllConfiguredChangesToDatabaseAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// One transaction deciding and writing the drafts. Decided on <paramref name="seen"/> (remembered facts), null when
    /// those cannot decide it: a refusal (it writes nothing that could assert what it was decided on) or a write that
    /// failed its assertion. Decided on a fresh read when <paramref name="seen"/> is null.
    /// </summary>
    private async Task<VisitOutcome?[]?> TryWrite(string tenant, VisitDraft[] drafts, Guid[] contractorIds, bool retrying, RulesSeen.Snapshot? seen)
    {
        // Not the requests' cancellation: a client that hangs up must not roll back the others' visits (nor its
        // own: it may retry with its Idempotency-Key and must then find the visit).
        var ct = CancellationToken.None;
        await using var session = _store.LightweightSession(tenant);
        // One connection for the whole transaction: the reads and the write.
        await session.BeginTransactionAsync(ct).ConfigureAwait(false);

        var facts = seen ?? await RulesSeen.Read(session, contractorIds, ct).ConfigureAwait(false);
        var settings = facts.Settings ?? TenantSettings.FromDefaults(TenantSettings.IdFor(tenant), _clock.GetUtcNow());
        var today = _clock.TodayIn(settings.TimeZone);

        // A duplicate key or a visit id a committed visit holds fails the write's guard (VisitWriteGuard) before anything is
        // written, and the batch is decided again with these probes on (CommitGroup), so the visit in conflict is answered
        // 409 with the earlier visit, or as the replay of its keyed earlier attempt. Nothing is probed on the first attempt
        // (a conflict is the rare case, and the probes were a round trip for every batch), but the keys' holders are where
        // a visit is an intended duplicate: its key is taken by definition, and it must not take it from the first visit.
        var holders = new Dictionary<string, Guid>();
        var earlier = new Dictionary<Guid, Visit>();
        if (retrying || drafts.Any(d => d.Intended))
        {
            var batch = session.CreateBatchQuery();
            // One look-up per key: PostgreSQL's generic plan for `id = ANY($1)` over the keys' text was a scan (12 ms a
            // batch at 150,000 visits, ops/bench/README.md), where each key alone is a probe of the held keys' index.
            var holderQueries = drafts.Select(d => d.DuplicateKey).Distinct().Select(k =>
            {
                var id = VisitFingerprint.IdOf(k);
                return (Key: k, Holders: batch.Query<Visit>().Where(v => v.HeldKey == id).ToList());
            }).ToList();
            // Any visit may have been committed: by its keyed earlier attempt, or by the failed batch whose commit
            // reached the database before its connection failed. A probe per id as well, for the same plan.
            var earlierQueries = (retrying ? drafts.Select(d => d.Id).Distinct() : []).Select(id => batch.Load<Visit>(id)).ToList();
            await batch.Execute(ct).ConfigureAwait(false);
            foreach (var q in holderQueries)
                foreach (var holder in await q.Holders.ConfigureAwait(false)) holders[q.Key] = holder.Id;
            foreach (var q in earlierQueries)
                if (await q.ConfigureAwait(false) is { } visit) earlier[visit.Id] = visit;
        }

        var outcomes = new VisitOutcome?[drafts.Length];
        var rows = new VisitRows(session);
        var keysTaken = new List<string>();
        var keysHeld = new HashSet<string>();
        var started = new List<Guid>();
        for (var i = 0; i < drafts.Length; i++)
        {
            var d = drafts[i];
            var e = d.Logged;
            if (earlier.TryGetValue(d.Id, out var found))
            {
                // The same key for another visit (the first answer's record expired or was lost): as a reused key.
                // Without a key the visit can only be found on a retry: the failed batch's commit did reach the database.
                outcomes[i] = found.DuplicateKey != d.DuplicateKey ? new VisitOutcome.KeyReused()
                    : d.KeyedId is null ? new VisitOutcome.Created(found) : new VisitOutcome.Replayed(found);
                continue;
            }
            if (d.KeyedId is not null && drafts.Take(i).Any(x => x.Id == d.Id))
            {
                // Two requests with one key in one batch (possible only once the first's reservation was abandoned):
                // the first decides; this one is decided after that commit, as its retry would be.
                outcomes[i] = null;
                continue;
            }

            var refusal = VisitRules.Check(facts.Eligibility(e.ContractorId), e.ContractorId, e.AgencyId, e.Discipline, e.VisitDate, today);
            if (refusal is not null && seen is not null) return null;
            if (refusal is not null)
            {
                outcomes[i] = new VisitOutcome.Refused(refusal);
                continue;
            }

            var duplicate = holders.TryGetValue(d.DuplicateKey, out var existing) ? existing : (Guid?)null;
            if (duplicate is { } other && !d.Intended)
            {
                outcomes[i] = new VisitOutcome.ProbableDuplicate(other);
                continue;
            }

            // The visit takes its key where no visit holds it, an intended duplicate included (the first of its kind). The
            // request's event says it takes it (LogVisit); another instance only where it does not.
            if (e.HoldsKey != (duplicate is null)) e = e with { HoldsKey = duplicate is null };
            if (duplicate is not null && !keysTaken.Contains(d.DuplicateKey)) keysHeld.Add(d.DuplicateKey);
            rows.Add(d.Id, tenant, e, d.Author, _writersOfOtherModules.SelectMany(w => w.Documents(e)));
            started.Add(d.Id);
            if (duplicate is null)
            {
                keysTaken.Add(d.DuplicateKey);
                holders[d.DuplicateKey] = d.Id; // a later visit of this batch with the same key is its duplicate
            }
            outcomes[i] = new VisitOutcome.Created(Visit.Logged(e));
        }

        if (started.Count == 0) return seen is null ? outcomes : null; // remembered facts decide only what a write asserts
        if (seen is not null && AfterDecidingOnSeen is { } race) await race(tenant).ConfigureAwait(false);

        // The guard, then the batch's rows: the session runs them in that order (VisitWriteGuard).
        VisitWriteGuard.Queue(session, seen, keysTaken, started, keysHeld);
        rows.Queue();
        try
        {
            await session.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        catch (Exception x) when (seen is not null && VisitWriteGuard.IsStale(x))
        {
            // A contractor or the settings changed since this node read them: forget them; the caller decides again afresh.
            RulesSeen.Forget(tenant);
            return null;
        }
        Interlocked.Increment(ref _transactions);
        Interlocked.Add(ref _visits, started.Count);
        // Committed: this node's watchers see the visits at once, and the projection daemon wakes for their events (the
        // statement appended them, not a Marten session, so neither Marten's listeners nor its wakeup heard of them).
        if (_feed is { HasSubscribers: true })
            foreach (var logged in rows.Events) _feed.Show(logged);
        _wakeup?.Pulse();
        return outcomes;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_writers).ConfigureAwait(false);
    }
}

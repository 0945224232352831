using ContractTherapy.Shared.Persistence;
using Marten;

namespace ContractTherapy.Visits.Visits;

/// <summary>
/// A visit that lets its duplicate key go (voided, or corrected onto another key) passes it to another live visit with
/// the same key, an intended duplicate of it, if there is one: a visit logged next with that key is then still a probable
/// duplicate of a live visit (domain.md §3), where a key left to nobody would let it through. The least id takes it, so
/// the choice does not depend on the order the documents are read in; it is recorded on that visit's stream
/// (<see cref="VisitKeyTakenOver"/>), so a replay folds the same holder. Voids and corrections are serialized per tenant
/// (the billing lock), and the key's unique index decides a race with a visit being logged.
/// </summary>
public static class KeySuccession
{
    /// <summary>Whether the key went to a successor: its stream is then written too, and may change meanwhile.</summary>
    public static async Task<bool> PassOn(IDocumentSession session, Visit leaving, CancellationToken ct)
    {
        if (!leaving.HoldsKey) return false;
        var key = leaving.DuplicateKey;
        // Lock the holder's row first: a batch logging an intended duplicate of it (VisitWriteGuard, FOR SHARE)
        // either committed before, and is read below, or waits for this commit and decides again.
        await session.QueryAsync<int>($"select 1 from {session.DocumentStore.Options.TableOf<Visit>()} where tenant_id = ? and id = ? for update",
            ct, session.TenantId, leaving.Id).ConfigureAwait(false);
        // Not through the endpoint's session: Wolverine's session keeps an identity map, and a document read here
        // would be the aggregate FetchForWriting returns below, stale if the visit changed since (a lost update).
        await using var fresh = session.DocumentStore.QuerySession(session.TenantId);
        var sameDay = await fresh.Query<Visit>()
            .Where(v => v.ContractorId == leaving.ContractorId && v.VisitDate == leaving.VisitDate && v.Id != leaving.Id)
            .ToListAsync(ct).ConfigureAwait(false);
        var successor = sameDay.Where(v => v.Status != VisitStatus.Voided && !v.HoldsKey && v.DuplicateKey == key).MinBy(v => v.Id);
        if (successor is null) return false;
        var stream = await session.Events.FetchForWriting<Visit>(successor.Id, ct).ConfigureAwait(false);
        if (stream.Aggregate is not { Status: not VisitStatus.Voided, HoldsKey: false } current || current.DuplicateKey != key) return false;
        stream.AppendOne(new VisitKeyTakenOver(successor.Id, leaving.Id));
        return true;
    }
}

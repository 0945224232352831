using ContractTherapy.Invoicing.Cycles;
using ContractTherapy.Shared.Domain;
using ContractTherapy.Shared.Persistence;
using ContractTherapy.Visits.LoggingVisits;
using ContractTherapy.Visits.Visits;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace ContractTherapy.Invoicing.Billing;

/// <summary>
/// The Invoicing module's view of a visit the next close has to look at, and nothing else:
/// <list type="bullet">
/// <item>a visit not yet invoiced (<see cref="Invoiced"/> false): its current facts, from the Visits module's events;</item>
/// <item>an invoiced visit changed since its last close (<see cref="Invoiced"/> true): what changed. If it was corrected
/// (<see cref="Corrected"/>), the corrected facts (a correction carries them whole; not the contractor, which a
/// correction cannot change); whether it was voided; the reason of the last change.</item>
/// </list>
/// A close deletes the document of every visit it took; how a visit was billed is its line in the close's
/// <see cref="CycleClosed"/>, found through an index of those events (<see cref="BilledLines"/>), and a visit with
/// neither a document nor a change is billed as it is. A visit voided before it was invoiced has no document: it is
/// never billed. So the close writes nothing per visit but a deleted row: rewriting 50,000 documents' billed state took
/// 1.1-1.9 s of the close (ops/bench/README.md, "Invoiced visits found by an index").
/// For an invoiced visit's document only <see cref="Corrected"/>, the facts if corrected, <see cref="Voided"/> and
/// <see cref="LastChangeReason"/> mean anything; the other fields keep their defaults (the billed line has them).
/// </summary>
public sealed record BillableVisit(
    Guid Id,
    Guid ContractorId,
    Guid AgencyId,
    SealedPatient? Patient,
    DateOnly VisitDate,
    Discipline Discipline,
    VisitType VisitType,
    decimal Miles,
    bool NoteSigned,
    bool Voided,
    string? LastChangeReason,
    bool Invoiced = false,
    bool Corrected = false)
{
    /// <summary>The document of an invoiced visit that a change reached after its last close.</summary>
    public static BillableVisit ChangedSinceInvoiced(Guid id) =>
        new(id, Guid.Empty, Guid.Empty, null, default, default, default, 0m, false, false, null, Invoiced: true);

    /// <summary>
    /// An invoiced visit as it is now, from this document of its changes and <paramref name="billed"/>, the line it was
    /// last billed on: the corrected facts if it was corrected, else the line's; the contractor always the line's.
    /// </summary>
    public BillableVisit Now(ClosedLine billed) => Corrected
        ? this with { ContractorId = billed.ContractorId }
        : this with
        {
            ContractorId = billed.ContractorId, AgencyId = billed.AgencyId, Patient = billed.Patient, VisitDate = billed.VisitDate,
            Discipline = billed.Discipline, VisitType = billed.VisitType, Miles = billed.Miles,
        };

    /// <summary>Changed since <paramref name="billed"/> in a way that moves money or where it is billed.</summary>
    public bool NeedsAdjustmentFrom(ClosedLine billed) => Voided || AgencyId != billed.AgencyId || VisitDate != billed.VisitDate
        || Discipline != billed.Discipline || VisitType != billed.VisitType || Miles != billed.Miles;
}

/// <summary>
/// The close's two questions about billable visits: the visits not yet invoiced, and the invoiced visits changed since.
/// The second goes through a partial index (InvoicingModule); its predicate is this query's SQL, so PostgreSQL can prove
/// it (CloseWritesTests checks the plans).
/// </summary>
public static class BillableVisitQueries
{
    /// <summary>Written as text, not as Marten's <c>CAST(... as boolean) = True</c>: PostgreSQL keeps no statistics on the
    /// expressions of a partial index and guessed half of all rows for the cast.</summary>
    public const string ChangedSinceInvoicedPredicate = "data ->> 'invoiced' = 'true'";

    public static IQueryable<BillableVisit> NotInvoiced(IQuerySession session, DateOnly through) =>
        session.Query<BillableVisit>().Where(v => !v.Invoiced && v.VisitDate <= through);

    public static string ChangedSinceInvoicedSql(IQuerySession session) =>
        $"select data from {session.DocumentStore.Options.TableOf<BillableVisit>()} where tenant_id = ? and {ChangedSinceInvoicedPredicate}";

    /// <summary>The documents of invoiced visits changed since their last close (what changed; <see cref="BilledLines"/> has the rest).</summary>
    public static async Task<IReadOnlyList<BillableVisit>> ChangedSinceInvoicedAsync(IQuerySession session, CancellationToken ct) =>
        await session.QueryAsync<BillableVisit>(ChangedSinceInvoicedSql(session), ct, session.TenantId);
}

/// <summary>
/// Folds a visit's events into its <see cref="BillableVisit"/> (written out as <see cref="Evolve"/> rather than as
/// conventional Apply methods because a missing document means something: an invoiced visit, whose change starts a
/// document of its own, or a visit voided before it was invoiced, whose later events have nothing to do).
/// </summary>
public sealed class BillableVisitProjection : MultiStreamProjection<BillableVisit, Guid>
{
    public BillableVisitProjection()
    {
        // A visit logged through the group commit has its document written there (WrittenWhenLogged), its event never in a
        // session; one read back from the store (a replay) is folded here.
        Identity<VisitLogged>(e => e.VisitId);
        Identity<VisitNoteSigned>(e => e.VisitId);
        Identity<VisitCorrected>(e => e.VisitId);
        Identity<VisitVoided>(e => e.VisitId);
        // A close that deleted its visits' documents itself (InvoicedByClose) leaves nothing to do here; a replay's
        // CycleClosed (read back from the store) deletes them as the close did.
        Identities<CycleClosed>(e => InvoicedByClose.Wrote(e) ? [] : e.Lines.Select(l => l.VisitId).Distinct().ToList());
    }

    public override BillableVisit? Evolve(BillableVisit? snapshot, Guid id, IEvent e) => Fold(snapshot, e.Data);

    /// <summary>The fold of one event (public for the tests).</summary>
    public static BillableVisit? Fold(BillableVisit? v, object e) => e switch
    {
        VisitLogged l => new BillableVisit(l.VisitId, l.ContractorId, l.AgencyId, l.Patient, l.VisitDate, l.Discipline, l.VisitType, l.Miles ?? 0m,
            l.NoteSigned, false, null),
        VisitNoteSigned => v is { Invoiced: false } ? v with { NoteSigned = true } : v,
        VisitCorrected c => (v ?? BillableVisit.ChangedSinceInvoiced(c.VisitId)) with
        {
            AgencyId = c.AgencyId,
            Patient = c.Patient,
            VisitDate = c.VisitDate,
            Discipline = c.Discipline,
            VisitType = c.VisitType,
            Miles = c.Miles ?? 0m,
            LastChangeReason = c.Reason,
            Corrected = true,
        },
        // Not yet invoiced: never to be billed, nothing left to do. Invoiced: its line is reversed at the next close.
        VisitVoided x => v is { Invoiced: false } ? null : (v ?? BillableVisit.ChangedSinceInvoiced(x.VisitId)) with { Voided = true, LastChangeReason = x.Reason },
        // Billed, re-billed or reversed by the close: nothing left for the next one until the visit changes again.
        CycleClosed => null,
        _ => v,
    };
}

/// <summary>
/// A logged visit's document, written by the Visits module's group commit with the visit's own rows, in its transaction
/// (<see cref="ILoggedVisitWriter"/>, <c>VisitRows</c>): the event is written by a statement of the group commit's, not
/// appended to a Marten session, so no inline projection sees it. The document is <see cref="BillableVisitProjection"/>'s
/// own fold of the event, as a replay folds it (and the replay's comparison would show any difference).
/// </summary>
public sealed class WrittenWhenLogged : ILoggedVisitWriter
{
    public IEnumerable<LoggedVisitDocument> Documents(VisitLogged logged) => [new(typeof(BillableVisit), BillableVisitProjection.Fold(null, logged)!)];
}

/// <summary>
/// The close deletes the documents of the visits it took, in one statement in its own transaction, rather than through
/// the inline projection: the projection loaded the close's visits again (50,000 at full size) and queued one operation
/// per visit, and Marten's unit of work compares each queued document operation with every one queued before it
/// (<c>UnitOfWork.Add</c>), 1.25 billion comparisons (ops/bench/README.md, "The close at full size, 2026-12-06").
/// That is what <see cref="BillableVisitProjection"/> does with the event: a replay deletes the same documents (the marked
/// event instance is the close's own, never one read back from the store). Only billing changes write these documents
/// (corrections, voids and closes, serialized by the tenant's billing lock that the close holds), so the documents
/// deleted are those the close read.
/// </summary>
public static class InvoicedByClose
{
    private static readonly WrittenWithEvent<CycleClosed> Written = new();

    /// <summary>Whether this event instance's documents were deleted by the close that appended it.</summary>
    public static bool Wrote(CycleClosed e) => Written.IsMarked(e);

    /// <summary>
    /// Queues the delete on the close's session; <paramref name="visits"/> are the documents the close planned from, as
    /// read in its transaction (holding the billing lock). Returns false, leaving the work to the projection, if a visit
    /// of the close is not among them.
    /// </summary>
    public static bool Queue(IDocumentSession session, CycleClosed closed, IEnumerable<BillableVisit> visits)
    {
        var read = visits.Select(v => v.Id).ToHashSet();
        var ids = closed.Lines.Select(l => l.VisitId).Distinct().ToArray();
        if (ids.Length == 0) return true;
        if (!ids.All(read.Contains)) return false;
        session.QueueSqlCommand($"delete from {session.DocumentStore.Options.TableOf<BillableVisit>()} where tenant_id = ? and id = any(?)",
            session.TenantId, ids);
        Written.Mark(closed);
        return true;
    }
}

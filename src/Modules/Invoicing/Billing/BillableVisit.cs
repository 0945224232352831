using ContractTherapy.Invoicing.Cycles;
using ContractTherapy.Shared.Domain;
using ContractTherapy.Shared.Persistence;
using ContractTherapy.Visits.Visits;
using Marten;
using Marten.Events.Projections;

namespace ContractTherapy.Invoicing.Billing;

/// <summary>
/// How a visit was last billed: where the close line its invoice and pay stub were computed from is (the close whose
/// <see cref="CycleClosed"/> holds it, <see cref="CycleId"/>, at <see cref="Position"/> in its lines), the facts of the
/// visit it was billed on (those a later change is compared with), and whether a later close reversed it. The line
/// itself stays in its event: a reversal reads it from there (<see cref="BilledLines"/>). Carrying a copy here made
/// each close rewrite 47 MB of billed state at 50,000 visits (ops/bench/README.md, "The billed state by reference").
/// </summary>
public sealed record BilledAs(Guid CycleId, int Position, Guid AgencyId, DateOnly VisitDate, Discipline Discipline, VisitType VisitType,
    decimal Miles, bool Voided)
{
    public static BilledAs Of(Guid cycleId, int position, ClosedLine line) =>
        new(cycleId, position, line.AgencyId, line.VisitDate, line.Discipline, line.VisitType, line.Miles, false);
}

/// <summary>
/// The Invoicing module's view of a visit: its current facts (from the Visits module's events)
/// and, once a close took it, how it was billed (from <see cref="CycleClosed"/>). A visit whose
/// current facts differ from how it was billed needs adjustment lines at the next close.
/// </summary>
public sealed record BillableVisit(
    Guid Id,
    Guid ContractorId,
    Guid AgencyId,
    SealedPatient Patient,
    DateOnly VisitDate,
    Discipline Discipline,
    VisitType VisitType,
    decimal Miles,
    bool NoteSigned,
    bool Voided,
    string? LastChangeReason,
    BilledAs? Billed,
    bool PendingAdjustment = false)
{
    public bool IsInvoiced => Billed is not null;

    /// <summary>Invoiced, and changed since in a way that moves money or where it is billed.</summary>
    public bool NeedsAdjustment => Billed is { } b && (Voided != b.Voided || (!Voided && (AgencyId != b.AgencyId
        || VisitDate != b.VisitDate || Discipline != b.Discipline || VisitType != b.VisitType || Miles != b.Miles)));
}

/// <summary>
/// The close's two questions about billable visits, each answered through a partial index (InvoicingModule) so that
/// neither reads every visit the tenant ever billed: the visits not yet invoiced, and those invoiced and changed since.
/// The predicates are the SQL of these queries, so PostgreSQL can prove them (CloseWritesTests checks the plans).
/// </summary>
public static class BillableVisitQueries
{
    /// <summary>What Marten writes for <c>Billed == null</c>.</summary>
    public const string NotInvoicedPredicate = "data ->> 'billed' is null";

    /// <summary>
    /// Written as text, not as Marten's <c>CAST(... as boolean) = True</c>: PostgreSQL keeps no statistics on the
    /// expressions of a partial index and guessed half of all visits for the cast, so it read them all.
    /// </summary>
    public const string PendingAdjustmentPredicate = "data ->> 'pendingAdjustment' = 'true'";

    public static IQueryable<BillableVisit> NotInvoiced(IQuerySession session, DateOnly through) =>
        session.Query<BillableVisit>().Where(v => v.Billed == null && !v.Voided && v.VisitDate <= through);

    public static string ChangedSinceInvoicedSql(IQuerySession session) =>
        $"select data from {session.DocumentStore.Options.TableOf<BillableVisit>()} " +
        $"where tenant_id = ? and {PendingAdjustmentPredicate} and data ->> 'billed' is not null";

    /// <summary>Invoiced visits changed since in a way that moves money or where it is billed.</summary>
    public static async Task<IReadOnlyList<BillableVisit>> ChangedSinceInvoicedAsync(IQuerySession session, CancellationToken ct) =>
        (await session.QueryAsync<BillableVisit>(ChangedSinceInvoicedSql(session), ct, session.TenantId)).Where(v => v.NeedsAdjustment).ToList();
}

public sealed partial class BillableVisitProjection : MultiStreamProjection<BillableVisit, Guid>
{
    public BillableVisitProjection()
    {
        Identity<VisitLogged>(e => e.VisitId);
        Identity<VisitNoteSigned>(e => e.VisitId);
        Identity<VisitCorrected>(e => e.VisitId);
        Identity<VisitVoided>(e => e.VisitId);
        // A close that wrote its visits' billed state itself (BilledByClose) leaves nothing to do here; a replay's
        // CycleClosed (read back from the store) is applied to each visit as always.
        Identities<CycleClosed>(e => BilledByClose.Wrote(e) ? [] : e.Lines.Select(l => l.VisitId).Distinct().ToList());
    }

    public static BillableVisit Create(VisitLogged e) => new(e.VisitId, e.ContractorId, e.AgencyId, e.Patient, e.VisitDate, e.Discipline,
        e.VisitType, e.Miles ?? 0m, e.NoteSigned, false, null, null);

    public static BillableVisit Apply(VisitNoteSigned _, BillableVisit v) => v with { NoteSigned = true };

    public static BillableVisit Apply(VisitCorrected e, BillableVisit v) => v with
    {
        AgencyId = e.AgencyId,
        Patient = e.Patient,
        VisitDate = e.VisitDate,
        Discipline = e.Discipline,
        VisitType = e.VisitType,
        Miles = e.Miles ?? 0m,
        LastChangeReason = e.Reason,
        PendingAdjustment = v.Billed is not null,
    };

    public static BillableVisit Apply(VisitVoided e, BillableVisit v) =>
        v with { Voided = true, LastChangeReason = e.Reason, PendingAdjustment = v.Billed is not null };

    /// <summary>
    /// The close's last non-reversing line for this visit is how it is billed now; only a reversal means it no longer is
    /// (the billed line, still the one reversed, stays where it was).
    /// </summary>
    public static BillableVisit Apply(CycleClosed e, BillableVisit v)
    {
        if (!ClosedLineIndex.CurrentPositions(e).TryGetValue(v.Id, out var position))
            return v with { Billed = v.Billed is null ? null : v.Billed with { Voided = true }, PendingAdjustment = false };
        return v with { PendingAdjustment = false, Billed = BilledAs.Of(e.CycleId, position, e.Lines[position]) };
    }
}

/// <summary>
/// Each visit's last non-reversing line of a close (its position in the lines), indexed once per event. The projection applies
/// a <see cref="CycleClosed"/> to every visit it took: scanning the lines for each visit made a
/// close of 50,000 visits 1.25 billion comparisons (seconds of the close's answer); the index makes it one pass.
/// Kept per event instance (weakly, so it goes with the event).
/// </summary>
public static class ClosedLineIndex
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<CycleClosed, IReadOnlyDictionary<Guid, int>> Indexes = new();

    public static IReadOnlyDictionary<Guid, int> CurrentPositions(CycleClosed e) => Indexes.GetValue(e, static closed =>
    {
        var index = new Dictionary<Guid, int>();
        for (var i = 0; i < closed.Lines.Count; i++)
            if (!closed.Lines[i].IsReversal) index[closed.Lines[i].VisitId] = i;
        return index;
    });
}

/// <summary>
/// The billed state of a close's visits, written by the close in one statement in its own transaction
/// rather than by the inline projection: the projection loaded the close's visits again (50,000 at full
/// size) and queued one upsert per visit, and Marten's unit of work compares each queued document
/// operation with every one queued before it (<c>UnitOfWork.Add</c>), 1.25 billion comparisons, most
/// of the close's CPU time (ops/bench/README.md, "The close at full size, 2026-12-06").
/// Each visit gets what <see cref="BillableVisitProjection.Apply(CycleClosed, BillableVisit)"/> gives it, from
/// the visit as the close read it: that apply changes only <c>billed</c> and <c>pendingAdjustment</c>, which
/// only billing changes write (corrections, voids and closes, serialized by the tenant's billing lock that the
/// close holds), so those two fields are replaced in the stored document and the rest stays as it is. A replay
/// applies the same function to the same documents (the marked event instance is the close's own, never one
/// read back from the store).
/// </summary>
public static class BilledByClose
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<CycleClosed, object> Written = new();

    /// <summary>Whether this event instance's billed state was written by the close that appended it.</summary>
    public static bool Wrote(CycleClosed e) => Written.TryGetValue(e, out _);

    /// <summary>
    /// Queues the write on the close's session; <paramref name="visits"/> are the visits the close planned from,
    /// as read in its transaction (holding the billing lock). Returns false, leaving the work to the projection,
    /// if a visit of the close is not among them.
    /// </summary>
    public static bool Queue(IDocumentSession session, CycleClosed closed, IEnumerable<BillableVisit> visits)
    {
        var read = new Dictionary<Guid, BillableVisit>();
        foreach (var v in visits) read[v.Id] = v;
        var ids = closed.Lines.Select(l => l.VisitId).Distinct().ToList();
        if (ids.Count == 0) return true;
        var serializer = session.DocumentStore.Options.Serializer();
        var patches = new string[ids.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            if (!read.TryGetValue(ids[i], out var before)) return false;
            var after = BillableVisitProjection.Apply(closed, before);
            if (after.Billed is null) return false;
            patches[i] = serializer.ToJson(new BillingPatch(after.Billed, after.PendingAdjustment));
        }
        var table = session.DocumentStore.Options.TableOf<BillableVisit>();
        session.QueueSqlCommand($"""
            update {table} as d
               set data = (d.data - 'billed' - 'pendingAdjustment') || v.patch::jsonb,
                   mt_version = d.mt_version + 1, mt_last_modified = transaction_timestamp()
              from unnest(?::uuid[], ?::text[]) as v(id, patch)
             where d.tenant_id = ? and d.id = v.id
            """, ids.ToArray(), patches, session.TenantId);
        Written.AddOrUpdate(closed, Written);
        return true;
    }

    /// <summary>The two fields a close changes, named and written as in the document.</summary>
    private sealed record BillingPatch(BilledAs Billed, bool PendingAdjustment);
}

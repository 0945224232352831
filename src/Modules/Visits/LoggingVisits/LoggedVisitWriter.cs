using ContractTherapy.Visits.Visits;
using Marten;

namespace ContractTherapy.Visits.LoggingVisits;

/// <summary>
/// Another module's document of a visit, written by the group commit in the transaction that logs the visit, instead of by
/// that module's inline projection: a projection that folds more than one stream into a document (Invoicing's billable
/// visit) loads its documents before it applies a batch's events, one more round trip and query a batch for documents
/// that cannot exist yet. The writer queues what its projection would have written for <see cref="VisitLogged"/>, and
/// marks the event instance so that the projection leaves it alone; an event read back from the store (a replay) is
/// folded by the projection as before.
/// <para>The group commit appends nothing but the <see cref="VisitLogged"/> to a new visit's stream in that session: a
/// later event of the same visit in the same session would make the projection fold it onto a document it cannot
/// load yet (the insert is still queued).</para>
/// </summary>
public interface ILoggedVisitWriter
{
    void Queue(IDocumentSession session, VisitLogged logged);
}

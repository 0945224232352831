using ContractTherapy.Visits.Visits;

namespace ContractTherapy.Visits.LoggingVisits;

/// <summary>What another module writes for a logged visit, in the visit's transaction: a document of its own table.</summary>
public sealed record LoggedVisitDocument(Type DocumentType, object Document);

/// <summary>
/// Another module's document of a visit, written by the group commit with the visit's rows (<see cref="VisitRows"/>), in
/// the transaction that logs the visit. The group commit writes its events with a statement of its own, not through a
/// Marten session, so no inline projection sees a logged visit: a module that keeps a document of each visit says here
/// what its projection would write for <see cref="VisitLogged"/>, and its projection folds the event as before when it
/// is read back from the store (a replay).
/// </summary>
public interface ILoggedVisitWriter
{
    /// <summary>The documents its projection would write for <paramref name="logged"/> (inserted unless one exists).</summary>
    IEnumerable<LoggedVisitDocument> Documents(VisitLogged logged);
}

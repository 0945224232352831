namespace ContractTherapy.Shared.Persistence;

/// <summary>
/// Told when this node committed events that a Marten session did not append (a module's own statement, such as the
/// visits' group commit): the projection daemon's wakeup (the host's <c>AppendWakeup</c>, which Marten's session
/// listener tells of every other commit with events).
/// </summary>
public interface IEventsCommitted
{
    void Pulse();
}

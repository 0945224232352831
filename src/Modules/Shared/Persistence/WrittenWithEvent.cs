using System.Runtime.CompilerServices;

namespace ContractTherapy.Shared.Persistence;

/// <summary>
/// Event instances whose projected documents the code that appended them wrote itself, in the same transaction, so that
/// the inline projection leaves them alone (its <c>Identities</c> return none for a marked instance). Only the appending
/// code's own instance is ever marked: an event read back from the store (a replay) is another instance and is folded by
/// the projection as before. The marks live as long as the instance.
/// </summary>
public sealed class WrittenWithEvent<TEvent> where TEvent : class
{
    private readonly ConditionalWeakTable<TEvent, object> _marked = new();

    public void Mark(TEvent e) => _marked.AddOrUpdate(e, _marked);

    public bool IsMarked(TEvent e) => _marked.TryGetValue(e, out _);
}

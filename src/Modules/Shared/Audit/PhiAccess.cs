using ContractTherapy.Shared.Security;
using Marten;

namespace ContractTherapy.Shared.Audit;

/// <summary>
/// One read of patient data (HIPAA audit controls): who, when, which records, through which
/// endpoint. Only ever inserted; nothing in the product updates or deletes these documents.
/// </summary>
public sealed record PhiAccess(Guid Id, DateTimeOffset At, string UserId, string Role, string Endpoint, string RecordKind,
    IReadOnlyList<Guid> RecordIds);

public static class PhiAccessLog
{
    public static void RecordPhiRead(this IDocumentSession session, Caller caller, DateTimeOffset at, string endpoint, string recordKind,
        IReadOnlyList<Guid> recordIds)
    {
        if (recordIds.Count == 0) return;
        session.Insert(new PhiAccess(Guid.CreateVersion7(), at, caller.UserId, caller.Role, endpoint, recordKind, recordIds));
    }
}

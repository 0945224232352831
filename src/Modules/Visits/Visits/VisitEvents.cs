using ContractTherapy.Shared.Domain;

namespace ContractTherapy.Visits.Visits;

/// <summary>
/// Patient data as events and documents hold it: encrypted (FieldCipher), with a keyed
/// fingerprint of the MRN for duplicate detection. Initials are kept (encrypted) for pay stubs.
/// </summary>
public sealed record SealedPatient(string Name, string Mrn, string Initials, string MrnFingerprint);

public sealed record VisitLogged(
    Guid VisitId,
    Guid ContractorId,
    Guid AgencyId,
    SealedPatient Patient,
    DateOnly VisitDate,
    Discipline Discipline,
    VisitType VisitType,
    decimal? Miles,
    string? Notes,
    bool NoteSigned,
    string? DuplicateReason);

public sealed record VisitNoteSigned(Guid VisitId);

/// <summary>The visit's corrected attributes, whole (not a diff); the reason is also in the event's metadata.</summary>
public sealed record VisitCorrected(
    Guid VisitId,
    Guid AgencyId,
    SealedPatient Patient,
    DateOnly VisitDate,
    Discipline Discipline,
    VisitType VisitType,
    decimal? Miles,
    string? Notes,
    string Reason,
    string? DuplicateReason);

public sealed record VisitVoided(Guid VisitId, string Reason);

/// <summary>A cycle close took the visit (or an adjustment of it) onto an invoice.</summary>
public sealed record VisitInvoiced(Guid VisitId, Guid CycleId);

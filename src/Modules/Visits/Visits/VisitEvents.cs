using System.Text.Json.Serialization;
using ContractTherapy.Shared.Domain;

namespace ContractTherapy.Visits.Visits;

/// <summary>
/// Patient data as events and documents hold it: encrypted (FieldCipher), with a keyed
/// fingerprint of the MRN for duplicate detection. Initials are kept (encrypted) for pay stubs.
/// </summary>
public sealed record SealedPatient(string Name, string Mrn, string Initials, string MrnFingerprint);

/// <summary>
/// A visit logged. <see cref="HoldsKey"/>: whether the visit took its duplicate key (<see cref="Visit.DuplicateKey"/>), so
/// that a later visit with the same key is its probable duplicate. A visit takes its key unless another visit holds it
/// (an intended duplicate, logged with a reason). Null, and not written, in visits logged before 2026-12-07, when a
/// document of its own held the key: such a visit held it unless it was an intended duplicate (<see cref="Visit.Logged"/>).
/// </summary>
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
    string? DuplicateReason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? HoldsKey = null);

public sealed record VisitNoteSigned(Guid VisitId);

/// <summary>
/// The visit's corrected attributes, whole (not a diff); the reason is also in the event's metadata. <see cref="HoldsKey"/>:
/// where the correction changed the duplicate key, whether the visit took the new one (it was free); null, and not written,
/// where the key stayed (the visit holds it, or not, as before) and in corrections before 2026-12-07.
/// </summary>
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
    string? DuplicateReason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? HoldsKey = null);

public sealed record VisitVoided(Guid VisitId, string Reason);

/// <summary>A cycle close took the visit (or an adjustment of it) onto an invoice.</summary>
public sealed record VisitInvoiced(Guid VisitId, Guid CycleId);

/// <summary>
/// The visit took over the duplicate key another visit with the same key let go (voided, or corrected onto another key):
/// a visit logged next with that key is this one's probable duplicate (<see cref="KeySuccession"/>).
/// </summary>
public sealed record VisitKeyTakenOver(Guid VisitId, Guid FromVisitId);

/// <summary>
/// Whether a visit logged before 2026-12-07 holds its duplicate key, where its own events cannot say it (an intended
/// duplicate logged while its key was free took it), carried over once from the key documents of then
/// (<see cref="KeyHoldersFromFingerprints"/>), so that a replay folds the document the upgrade made.
/// </summary>
public sealed record VisitKeyHolderCarriedOver(Guid VisitId, bool HoldsKey);

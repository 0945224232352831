using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using ContractTherapy.Shared.Domain;
using JasperFx.Events;

namespace ContractTherapy.Visits.Visits;

public enum VisitStatus { Open, Invoiced, Voided }

/// <summary>
/// The visit stream's state, kept inline as a document (patient data stays sealed). <see cref="HoldsKey"/>: whether the
/// visit holds its duplicate key; the document's <see cref="HeldKey"/> column is unique per tenant, so two visits that
/// would hold one key collide in the database even when logged at the same instant (the duplicate guard).
/// </summary>
public sealed record Visit(
    Guid Id,
    long Version,
    Guid ContractorId,
    Guid AgencyId,
    SealedPatient Patient,
    DateOnly VisitDate,
    Discipline Discipline,
    VisitType VisitType,
    decimal? Miles,
    string? Notes,
    bool NoteSigned,
    VisitStatus Status,
    Guid? CycleId,
    string? DuplicateReason,
    bool HoldsKey)
{
    public static Visit Create(IEvent<VisitLogged> e) => Logged(e.Data, e.Version);

    /// <summary>The visit as its first event makes it (the projection above, and the answer of the request that logs it).</summary>
    public static Visit Logged(VisitLogged d, long version = 1) => new(d.VisitId, version, d.ContractorId, d.AgencyId, d.Patient, d.VisitDate,
        d.Discipline, d.VisitType, d.Miles, d.Notes, d.NoteSigned, VisitStatus.Open, null, d.DuplicateReason,
        // Before 2026-12-07 the event did not say: a visit that was no intended duplicate took its key (or was refused).
        d.HoldsKey ?? d.DuplicateReason is null);

    public Visit Apply(IEvent<VisitNoteSigned> e) => this with { NoteSigned = true, Version = e.Version };

    public Visit Apply(IEvent<VisitCorrected> e)
    {
        var d = e.Data;
        var keyChanged = VisitFingerprint.KeyFor(ContractorId, d.Patient.MrnFingerprint, d.AgencyId, d.VisitDate, d.Discipline, d.VisitType)
                         != DuplicateKey;
        return this with
        {
            Version = e.Version,
            AgencyId = d.AgencyId,
            Patient = d.Patient,
            VisitDate = d.VisitDate,
            Discipline = d.Discipline,
            VisitType = d.VisitType,
            Miles = d.Miles,
            Notes = d.Notes,
            DuplicateReason = d.DuplicateReason,
            // Before 2026-12-07 the event did not say: a correction that moved the key took the new one exactly when it
            // was no intended duplicate of another visit (the endpoint then cleared the reason); one that kept it, as before.
            HoldsKey = d.HoldsKey ?? (keyChanged ? d.DuplicateReason is null : HoldsKey),
        };
    }

    public Visit Apply(IEvent<VisitInvoiced> e) => this with
    {
        Status = Status == VisitStatus.Voided ? VisitStatus.Voided : VisitStatus.Invoiced,
        CycleId = e.Data.CycleId,
        Version = e.Version,
    };

    public Visit Apply(IEvent<VisitKeyTakenOver> e) => this with { HoldsKey = true, Version = e.Version };

    public Visit Apply(IEvent<VisitKeyHolderCarriedOver> e) => this with { HoldsKey = e.Data.HoldsKey, Version = e.Version };

    /// <summary>A voided visit lets its key go, so the same visit can be logged again correctly.</summary>
    public Visit Apply(IEvent<VisitVoided> e) => this with { Status = VisitStatus.Voided, Version = e.Version, HoldsKey = false };

    /// <summary>The key two probable duplicates share (domain.md §3 Visits). Not in the document's JSON: its fields are.</summary>
    [JsonIgnore]
    public string DuplicateKey => VisitFingerprint.KeyFor(ContractorId, Patient.MrnFingerprint, AgencyId, VisitDate, Discipline, VisitType);

    /// <summary>
    /// The key the visit holds, as <see cref="VisitFingerprint.IdOf"/>, null when none: a column of its own (VisitsModule),
    /// not in the document's JSON.
    /// </summary>
    [JsonIgnore]
    public Guid? HeldKey => HoldsKey ? VisitFingerprint.IdOf(DuplicateKey) : null;
}

/// <summary>The duplicate key two probable duplicates share (domain.md §3 Visits).</summary>
public static class VisitFingerprint
{
    /// <summary>
    /// A key as the unique index holds it: the MD5 of its text as a UUID (PostgreSQL's <c>md5(key)::uuid</c>), 16 bytes
    /// compared as bytes, where the text is about 135 characters compared by the collation. Not a security boundary: the
    /// key's MRN part is already a keyed fingerprint, and a collision would only ask for a reason to log a visit.
    /// </summary>
    public static Guid IdOf(string key) => new(MD5.HashData(Encoding.UTF8.GetBytes(key)), bigEndian: true);

    public static string KeyFor(Guid contractorId, string mrnFingerprint, Guid agencyId, DateOnly date, Discipline discipline, VisitType visitType) =>
        $"{contractorId:N}|{agencyId:N}|{date:yyyy-MM-dd}|{discipline}|{visitType}|{mrnFingerprint}";
}

using ContractTherapy.Shared.Domain;
using JasperFx.Events;

namespace ContractTherapy.Visits.Visits;

public enum VisitStatus { Open, Invoiced, Voided }

/// <summary>The visit stream's state, kept inline as a document (patient data stays sealed).</summary>
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
    string? DuplicateReason)
{
    public static Visit Create(IEvent<VisitLogged> e) => Logged(e.Data, e.Version);

    /// <summary>The visit as its first event makes it (the projection above, and the answer of the request that logs it).</summary>
    public static Visit Logged(VisitLogged d, long version = 1) => new(d.VisitId, version, d.ContractorId, d.AgencyId, d.Patient, d.VisitDate,
        d.Discipline, d.VisitType, d.Miles, d.Notes, d.NoteSigned, VisitStatus.Open, null, d.DuplicateReason);

    public Visit Apply(IEvent<VisitNoteSigned> e) => this with { NoteSigned = true, Version = e.Version };

    public Visit Apply(IEvent<VisitCorrected> e)
    {
        var d = e.Data;
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
        };
    }

    public Visit Apply(IEvent<VisitInvoiced> e) => this with
    {
        Status = Status == VisitStatus.Voided ? VisitStatus.Voided : VisitStatus.Invoiced,
        CycleId = e.Data.CycleId,
        Version = e.Version,
    };

    public Visit Apply(IEvent<VisitVoided> e) => this with { Status = VisitStatus.Voided, Version = e.Version };

    /// <summary>The key two probable duplicates share (domain.md §3 Visits).</summary>
    public string DuplicateKey => VisitFingerprint.KeyFor(ContractorId, Patient.MrnFingerprint, AgencyId, VisitDate, Discipline, VisitType);
}

/// <summary>
/// Holds a duplicate key for the visit that owns it: its unique id makes two identical visits
/// collide in the database even when logged at the same instant.
/// </summary>
public sealed class VisitFingerprint
{
    public string Id { get; set; } = "";
    public Guid VisitId { get; set; }

    public static string KeyFor(Guid contractorId, string mrnFingerprint, Guid agencyId, DateOnly date, Discipline discipline, VisitType visitType) =>
        $"{contractorId:N}|{agencyId:N}|{date:yyyy-MM-dd}|{discipline}|{visitType}|{mrnFingerprint}";
}

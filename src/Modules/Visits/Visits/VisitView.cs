using ContractTherapy.Shared.Domain;
using ContractTherapy.Shared.Security;

namespace ContractTherapy.Visits.Visits;

/// <summary>A visit as the API shows it; <see cref="Patient"/> and <see cref="Notes"/> only for roles that may see them.</summary>
public sealed record VisitView(
    Guid Id,
    string Status,
    Guid ContractorId,
    Guid AgencyId,
    PatientView? Patient,
    DateOnly VisitDate,
    Discipline Discipline,
    VisitType VisitType,
    decimal? Miles,
    string? Notes,
    bool NoteSigned,
    Guid? CycleId,
    long Version,
    string? DuplicateReason)
{
    public static VisitView From(Visit v, PatientView? patient, string? notes) => new(
        v.Id, v.Status.ToString().ToLowerInvariant(), v.ContractorId, v.AgencyId, patient, v.VisitDate, v.Discipline, v.VisitType,
        v.Miles, notes, v.NoteSigned, v.CycleId, v.Version, v.DuplicateReason);
}

public static class VisitAccess
{
    /// <summary>Staff who bill and the contractor who treated the patient see patient data; nobody else.</summary>
    public static bool MaySeePatient(this Caller caller, Visit visit) =>
        caller.Role is Roles.Owner or Roles.Billing || caller.IsContractor(visit.ContractorId);

    /// <summary>A contractor reaches only their own visits; others' answer 404.</summary>
    public static bool MayReach(this Caller caller, Visit visit) =>
        caller.Role != Roles.Contractor || caller.IsContractor(visit.ContractorId);

    public static VisitView View(this Visit visit, Caller caller, FieldCipher cipher) => caller.MaySeePatient(visit)
        ? VisitView.From(visit, PatientSeal.Open(cipher, caller.TenantId, visit.Patient), PatientSeal.OpenNotes(cipher, caller.TenantId, visit.Notes))
        : VisitView.From(visit, null, null);
}

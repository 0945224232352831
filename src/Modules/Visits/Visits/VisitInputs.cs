using ContractTherapy.Shared.Http;
using ContractTherapy.Visits.LoggingVisits;
using Microsoft.AspNetCore.Http;

namespace ContractTherapy.Visits.Visits;

/// <summary>Shape rules shared by logging and correcting a visit.</summary>
public static class VisitInputs
{
    private static readonly System.Text.RegularExpressions.Regex MrnShape = new("^[A-Za-z0-9][A-Za-z0-9-]{0,49}$");

    public static void CheckPatient(Validation v, string field, PatientInput? patient, bool required)
    {
        if (patient is null)
        {
            if (required) v.Add(field, $"'{field}' is required.");
            return;
        }
        v.Text($"{field}.name", patient.Name, 200);
        if (string.IsNullOrWhiteSpace(patient.Mrn)) v.Add($"{field}.mrn", $"'{field}.mrn' is required.");
        else if (!MrnShape.IsMatch(patient.Mrn.Trim()))
            v.Add($"{field}.mrn", $"'{field}.mrn' must be 1 to 50 letters, digits or dashes.");
    }

    public static void CheckMilesAndNotes(Validation v, decimal? miles, string? notes)
    {
        if (miles is not null)
        {
            if (miles < 0 || miles > 1000) v.Add("miles", "'miles' must be between 0 and 1000.");
            if (decimal.Round(miles.Value, 1) != miles.Value) v.Add("miles", "'miles' must have at most 1 decimal place.");
        }
        v.MaxLength("notes", notes, 4000);
    }

    public static void CheckDuplicateIntent(Validation v, bool? allowDuplicate, string? duplicateReason)
    {
        if (allowDuplicate == true && string.IsNullOrWhiteSpace(duplicateReason))
            v.Add("duplicateReason", "'duplicateReason' is required when 'allowDuplicate' is true.");
        v.MaxLength("duplicateReason", duplicateReason, 500);
    }

    public static IResult ProbableDuplicate(Guid existingVisitId) => Problems.Conflict(
        "A visit with the same contractor, patient MRN, agency, date, discipline and visit type exists. " +
        "If this one is intended, send allowDuplicate: true with a duplicateReason.",
        new Dictionary<string, object?> { ["existingVisitId"] = existingVisitId, ["rule"] = "probable-duplicate" });
}

namespace ContractTherapy.Shared.Domain;

/// <summary>Therapy disciplines (domain.md §1).</summary>
public enum Discipline { PT, PTA, OT, COTA, ST }

/// <summary>Visit types (domain.md §1).</summary>
public enum VisitType
{
    Evaluation,
    ReEvaluation,
    Routine,
    Discharge,
    Supervisory,
    StartOfCare,
    ResumptionOfCare,
    Recertification,
    Missed,
}

/// <summary>
/// Requests carry disciplines and visit types as strings so that an unknown value becomes a
/// field error naming the allowed values, not an opaque JSON failure.
/// </summary>
public static class Vocabulary
{
    public static readonly string DisciplineNames = string.Join(", ", Enum.GetNames<Discipline>());
    public static readonly string VisitTypeNames = string.Join(", ", Enum.GetNames<VisitType>());

    public static bool TryDiscipline(string? value, out Discipline discipline) =>
        TryParseExact(value, out discipline);

    public static bool TryVisitType(string? value, out VisitType visitType) =>
        TryParseExact(value, out visitType);

    private static bool TryParseExact<T>(string? value, out T result) where T : struct, Enum
    {
        result = default;
        // Enum.TryParse also accepts numbers and comma lists; only the exact names are vocabulary.
        return value is not null && Enum.GetNames<T>().Contains(value, StringComparer.Ordinal)
            && Enum.TryParse(value, out result);
    }

    public static Http.Validation Discipline(this Http.Validation v, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return v.Add(field, $"'{field}' is required.");
        if (!TryDiscipline(value, out _))
            v.Add(field, $"'{value}' is not a discipline; expected one of {DisciplineNames}.");
        return v;
    }

    public static Http.Validation VisitType(this Http.Validation v, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return v.Add(field, $"'{field}' is required.");
        if (!TryVisitType(value, out _))
            v.Add(field, $"'{value}' is not a visit type; expected one of {VisitTypeNames}.");
        return v;
    }
}

using ContractTherapy.Shared.Http;

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
/// Requests carry disciplines and visit types as strings (marked <c>[OneOf(typeof(Discipline))]</c>) so
/// that any letter case is accepted and an unknown value is a field error naming the allowed values,
/// not an opaque JSON failure.
/// </summary>
public static class Vocabulary
{
    public static bool TryDiscipline(string? value, out Discipline discipline) => Choice.TryParse(value, out discipline);

    public static bool TryVisitType(string? value, out VisitType visitType) => Choice.TryParse(value, out visitType);

    public static Validation Discipline(this Validation v, string field, string? value) =>
        v.OneOf(field, string.IsNullOrWhiteSpace(value) ? null : value, Choice.Of<Discipline>());

    public static Validation VisitType(this Validation v, string field, string? value) =>
        v.OneOf(field, string.IsNullOrWhiteSpace(value) ? null : value, Choice.Of<VisitType>());
}

using ContractTherapy.Shared.Domain;
using ContractTherapy.Visits.Eligibility;

namespace ContractTherapy.Visits.Visits;

/// <summary>A business rule that refused a visit, by name (the 422's <c>rule</c>).</summary>
public sealed record Refusal(string Rule, string Detail);

/// <summary>The rules a visit must satisfy when logged or corrected (domain.md §3 Visits). Pure.</summary>
public static class VisitRules
{
    public const int MaxDaysBack = 365;

    public static Refusal? Check(ContractorEligibility? contractor, Guid contractorId, Guid agencyId, Discipline discipline,
        DateOnly visitDate, DateOnly today)
    {
        if (contractor is null)
            return new Refusal("contractor-known", $"No contractor with id '{contractorId}' exists in this tenant.");
        if (!contractor.Active)
            return new Refusal("contractor-active", "The contractor is deactivated and cannot log visits.");
        if (!contractor.AgencyIds.Contains(agencyId))
            return new Refusal("contractor-assigned", $"The contractor is not assigned to agency '{agencyId}'.");
        if (!contractor.Disciplines.Contains(discipline))
            return new Refusal("contractor-discipline", $"The contractor does not hold the {discipline} discipline.");
        if (visitDate > today)
            return new Refusal("visit-date-not-in-future", $"The visit date {visitDate:yyyy-MM-dd} is after today ({today:yyyy-MM-dd}) in the tenant's time zone.");
        if (visitDate < today.AddDays(-MaxDaysBack))
            return new Refusal("visit-date-within-365-days", $"The visit date {visitDate:yyyy-MM-dd} is more than {MaxDaysBack} days back.");
        return null;
    }
}

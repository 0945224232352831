using ContractTherapy.Contractors.Contractors;
using ContractTherapy.Shared.Domain;
using Marten.Events.Aggregation;

namespace ContractTherapy.Visits.Eligibility;

/// <summary>
/// What the Visits module needs to know of a contractor to accept a visit: active, placed with
/// which agencies, holding which disciplines. Built inline from the Contractors module's events,
/// so logging a visit reads one small document of its own module.
/// </summary>
public sealed record ContractorEligibility(Guid Id, bool Active, IReadOnlyList<Discipline> Disciplines, IReadOnlyList<Guid> AgencyIds);

public sealed partial class ContractorEligibilityProjection : SingleStreamProjection<ContractorEligibility, Guid>
{
    public static ContractorEligibility Create(ContractorOnboarded e) => new(e.ContractorId, true, e.Disciplines, []);

    public static ContractorEligibility Apply(AgencyAssigned e, ContractorEligibility s) =>
        s with { AgencyIds = [.. s.AgencyIds.Where(a => a != e.AgencyId), e.AgencyId] };

    public static ContractorEligibility Apply(AgencyUnassigned e, ContractorEligibility s) =>
        s with { AgencyIds = s.AgencyIds.Where(a => a != e.AgencyId).ToList() };

    public static ContractorEligibility Apply(ContractorDeactivated _, ContractorEligibility s) => s with { Active = false };
}

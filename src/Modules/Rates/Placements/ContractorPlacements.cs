using ContractTherapy.Contractors.Contractors;
using Marten.Events.Aggregation;

namespace ContractTherapy.Rates.Placements;

/// <summary>
/// The agencies a contractor is placed with, built inline from the Contractors module's events,
/// so that a therapist can list the agencies it works for (names for the visit form) while the
/// Rates module reads only documents of its own.
/// </summary>
public sealed record ContractorPlacements(Guid Id, IReadOnlyList<Guid> AgencyIds);

public sealed partial class ContractorPlacementsProjection : SingleStreamProjection<ContractorPlacements, Guid>
{
    public static ContractorPlacements Create(ContractorOnboarded e) => new(e.ContractorId, []);

    public static ContractorPlacements Apply(AgencyAssigned e, ContractorPlacements s) =>
        s with { AgencyIds = [.. s.AgencyIds.Where(a => a != e.AgencyId), e.AgencyId] };

    public static ContractorPlacements Apply(AgencyUnassigned e, ContractorPlacements s) =>
        s with { AgencyIds = s.AgencyIds.Where(a => a != e.AgencyId).ToList() };
}

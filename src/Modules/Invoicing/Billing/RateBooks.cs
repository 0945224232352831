using ContractTherapy.Contractors.Contractors;
using ContractTherapy.Rates;
using ContractTherapy.Rates.Agencies;
using ContractTherapy.Rates.PaySheets;
using ContractTherapy.Shared.Domain;
using ContractTherapy.Shared.Http;
using Marten.Events.Aggregation;
using Marten.Events.Projections;

namespace ContractTherapy.Invoicing.Billing;

/// <summary>
/// What closing a cycle needs of an agency: its name, payment terms and bill rate sets (from the
/// Rates module's events); and where its invoices go (address and billing e-mail, for the PDF's bill-to).
/// </summary>
public sealed record AgencyTerms(Guid Id, string Name, int PaymentTermsDays, IReadOnlyList<RateSet> BillRateSets,
    Address? Address = null, string? BillingEmail = null);

public sealed partial class AgencyTermsProjection : SingleStreamProjection<AgencyTerms, Guid>
{
    public static AgencyTerms Create(AgencyRegistered e) => new(e.AgencyId, e.Name, e.PaymentTermsDays, [], e.Address, e.BillingEmail);

    public static AgencyTerms Apply(BillRatesSet e, AgencyTerms s) =>
        s with { BillRateSets = [.. s.BillRateSets, new RateSet(e.RateSetId, e.EffectiveFrom, e.Rates)] };
}

/// <summary>What closing a cycle needs of a contractor: the name and pay rate sets (from Contractors' and Rates' events).</summary>
public sealed record ContractorPayBook(Guid Id, string Name, IReadOnlyList<RateSet> PayRateSets);

public sealed partial class ContractorPayBookProjection : MultiStreamProjection<ContractorPayBook, Guid>
{
    public ContractorPayBookProjection()
    {
        Identity<ContractorOnboarded>(e => e.ContractorId);
        Identity<PayRatesSet>(e => e.ContractorId);
    }

    public static ContractorPayBook Create(ContractorOnboarded e) => new(e.ContractorId, e.LegalName, []);

    public static ContractorPayBook Apply(PayRatesSet e, ContractorPayBook s) =>
        s with { PayRateSets = [.. s.PayRateSets, new RateSet(e.RateSetId, e.EffectiveFrom, e.Rates, e.MileageRate)] };
}

/// <summary>A rate as resolved for one visit, and the set it came from.</summary>
public sealed record ResolvedRate(decimal Amount, Guid RateSetId, bool IsAgencyOverride);

public static class RateLookup
{
    public static ResolvedRate? BillRate(this AgencyTerms agency, DateOnly date, Discipline discipline, VisitType visitType)
    {
        var set = agency.BillRateSets.InEffectOn(date);
        var rate = set?.Rates.FirstOrDefault(r => r.Discipline == discipline && r.VisitType == visitType);
        return rate is null ? null : new ResolvedRate(rate.Amount, set!.Id, false);
    }

    /// <summary>The agency override of the set in effect beats its general rate (domain.md §3 Rates).</summary>
    public static ResolvedRate? PayRate(this ContractorPayBook book, DateOnly date, Guid agencyId, Discipline discipline, VisitType visitType)
    {
        var set = book.PayRateSets.InEffectOn(date);
        if (set is null) return null;
        var rate = set.Rates.FirstOrDefault(r => r.AgencyId == agencyId && r.Discipline == discipline && r.VisitType == visitType)
                   ?? set.Rates.FirstOrDefault(r => r.AgencyId is null && r.Discipline == discipline && r.VisitType == visitType);
        return rate is null ? null : new ResolvedRate(rate.Amount, set.Id, rate.AgencyId is not null);
    }

    public static decimal MileageRate(this ContractorPayBook book, DateOnly date) => book.PayRateSets.InEffectOn(date)?.MileageRate ?? 0m;
}

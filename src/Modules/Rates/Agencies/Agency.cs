using ContractTherapy.Shared.Http;

namespace ContractTherapy.Rates.Agencies;

/// <summary>The agency stream's state, kept inline as a document (the Rates module's own).</summary>
public sealed record Agency(
    Guid Id,
    string Name,
    string BillingEmail,
    Address? Address,
    int PaymentTermsDays,
    IReadOnlyList<RateSet> BillRateSets)
{
    public const int DefaultPaymentTermsDays = 30;

    public static Agency Create(AgencyRegistered e) =>
        new(e.AgencyId, e.Name, e.BillingEmail, e.Address, e.PaymentTermsDays, []);

    public Agency Apply(BillRatesSet e) =>
        this with { BillRateSets = [.. BillRateSets, new RateSet(e.RateSetId, e.EffectiveFrom, e.Rates)] };
}

/// <summary>What the API shows of an agency.</summary>
public sealed record AgencyView(Guid Id, string Name, string BillingEmail, Address? Address, int PaymentTermsDays)
{
    public static AgencyView From(Agency a) => new(a.Id, a.Name, a.BillingEmail, a.Address, a.PaymentTermsDays);
}

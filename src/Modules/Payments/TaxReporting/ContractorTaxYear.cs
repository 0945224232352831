using ContractTherapy.Payments.Payments;
using Marten.Events.Projections;

namespace ContractTherapy.Payments.TaxReporting;

/// <summary>One payment as the 1099-NEC sees it: included in the total, or excluded and why.</summary>
public sealed record TaxPayment(Guid PaymentId, DateOnly PaidOn, string Method, decimal Amount, bool Included, string? ExclusionReason, bool Reversed);

/// <summary>
/// A contractor's payments of one calendar year of the date paid (not of the visits), from
/// PaymentSent, ManualPaymentRecorded and PaymentReversed. Totals are computed from the payments.
/// </summary>
public sealed record ContractorTaxYear(string Id, Guid ContractorId, int Year, IReadOnlyList<TaxPayment> Payments)
{
    /// <summary>Payments in date order: the document does not depend on the order payments were recorded in.</summary>
    public static IReadOnlyList<TaxPayment> Ordered(IEnumerable<TaxPayment> payments) =>
        payments.OrderBy(p => p.PaidOn).ThenBy(p => p.PaymentId).ToList();

    public decimal Total => Payments.Where(p => p.Included && !p.Reversed).Sum(p => p.Amount);
    public decimal ExcludedTotal => Payments.Where(p => !p.Included && !p.Reversed).Sum(p => p.Amount);

    public static string IdFor(Guid contractorId, int year) => $"{contractorId:N}:{year}";
}

/// <summary>
/// A contractor's year as the 1099 reading, the summary and the IRIS file need it: its totals, not its
/// payments. Read from the stored document's <c>total</c> and <c>excludedTotal</c>, which the projection
/// serializes with every write of the document (computed from the very payments stored beside them), so
/// a year of 10,000 contractors does not bring 260,000 payments into the host only to add them up again
/// (ops/bench/README.md, "The 1099-NEC year at full size").
/// </summary>
public sealed record ContractorTaxYearTotals(Guid ContractorId, decimal Total, decimal ExcludedTotal)
{
    public static ContractorTaxYearTotals Of(ContractorTaxYear year) => new(year.ContractorId, year.Total, year.ExcludedTotal);
}

public static class TaxRules
{
    /// <summary>Card and payment-network payments are reported by the network on a 1099-K, not by the payer on a 1099-NEC.</summary>
    public static readonly IReadOnlyDictionary<string, string> ExcludedMethods = new Dictionary<string, string>
    {
        ["card"] = "Paid by card: reported on Form 1099-K by the card network, not on 1099-NEC.",
        ["paypal"] = "Paid through PayPal, a payment network that reports on Form 1099-K, not on 1099-NEC.",
    };

    public static TaxPayment Classify(Guid paymentId, DateOnly paidOn, string method, decimal amount) =>
        ExcludedMethods.TryGetValue(method, out var why)
            ? new TaxPayment(paymentId, paidOn, method, amount, false, why, false)
            : new TaxPayment(paymentId, paidOn, method, amount, true, null, false);
}

public static class TaxYearHistory
{
    /// <summary>
    /// The contractors' years as they stood at <paramref name="moment"/>: the same folding as the
    /// projection, over the payment events recorded by then.
    /// </summary>
    public static async Task<IReadOnlyList<ContractorTaxYear>> AsOf(Marten.IQuerySession session, int year, DateTimeOffset moment, CancellationToken ct)
    {
        var events = await Marten.QueryableExtensions.ToListAsync(session.Events.QueryAllRawEvents()
            .Where(e => e.Timestamp <= moment && (e.EventTypeName == "payment_sent" || e.EventTypeName == "manual_payment_recorded"
                                                  || e.EventTypeName == "payment_reversed"))
            .OrderBy(e => e.Sequence), ct);
        var years = new Dictionary<string, ContractorTaxYear>();
        foreach (var data in events.Select(e => e.Data))
        {
            var (contractor, paidOn) = data switch
            {
                PaymentSent s => (s.ContractorId, s.PaidOn),
                ManualPaymentRecorded m => (m.ContractorId, m.PaidOn),
                PaymentReversed r => (r.ContractorId, r.PaidOn),
                _ => (Guid.Empty, default),
            };
            if (paidOn.Year != year) continue;
            var id = ContractorTaxYear.IdFor(contractor, year);
            years.TryGetValue(id, out var current);
            years[id] = (data, current) switch
            {
                (PaymentSent s, null) => ContractorTaxYearProjection.Create(s),
                (ManualPaymentRecorded m, null) => ContractorTaxYearProjection.Create(m),
                (PaymentSent s, { } y) => ContractorTaxYearProjection.Apply(s, y),
                (ManualPaymentRecorded m, { } y) => ContractorTaxYearProjection.Apply(m, y),
                (PaymentReversed r, { } y) => ContractorTaxYearProjection.Apply(r, y),
                _ => current!,
            };
        }
        return years.Values.Where(y => y is not null).ToList();
    }
}

public sealed partial class ContractorTaxYearProjection : MultiStreamProjection<ContractorTaxYear, string>
{
    public ContractorTaxYearProjection()
    {
        Identity<PaymentSent>(e => ContractorTaxYear.IdFor(e.ContractorId, e.PaidOn.Year));
        Identity<ManualPaymentRecorded>(e => ContractorTaxYear.IdFor(e.ContractorId, e.PaidOn.Year));
        Identity<PaymentReversed>(e => ContractorTaxYear.IdFor(e.ContractorId, e.PaidOn.Year));
    }

    public static ContractorTaxYear Create(PaymentSent e) =>
        new(ContractorTaxYear.IdFor(e.ContractorId, e.PaidOn.Year), e.ContractorId, e.PaidOn.Year, [TaxRules.Classify(e.PaymentId, e.PaidOn, e.Method, e.Amount)]);

    public static ContractorTaxYear Create(ManualPaymentRecorded e) =>
        new(ContractorTaxYear.IdFor(e.ContractorId, e.PaidOn.Year), e.ContractorId, e.PaidOn.Year, [TaxRules.Classify(e.PaymentId, e.PaidOn, e.Method, e.Amount)]);

    public static ContractorTaxYear Apply(PaymentSent e, ContractorTaxYear y) => Paid(y, TaxRules.Classify(e.PaymentId, e.PaidOn, e.Method, e.Amount));

    public static ContractorTaxYear Apply(ManualPaymentRecorded e, ContractorTaxYear y) => Paid(y, TaxRules.Classify(e.PaymentId, e.PaidOn, e.Method, e.Amount));

    /// <summary>A payment counts once in its year, however often its stream says it was paid (by its id).</summary>
    private static ContractorTaxYear Paid(ContractorTaxYear y, TaxPayment paid) =>
        y with { Payments = ContractorTaxYear.Ordered([.. y.Payments.Where(p => p.PaymentId != paid.PaymentId), paid]) };

    public static ContractorTaxYear Apply(PaymentReversed e, ContractorTaxYear y) =>
        y with { Payments = y.Payments.Select(p => p.PaymentId == e.PaymentId ? p with { Reversed = true } : p).ToList() };
}

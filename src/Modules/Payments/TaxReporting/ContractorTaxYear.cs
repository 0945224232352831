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
    public decimal Total => Payments.Where(p => p.Included && !p.Reversed).Sum(p => p.Amount);
    public decimal ExcludedTotal => Payments.Where(p => !p.Included && !p.Reversed).Sum(p => p.Amount);

    public static string IdFor(Guid contractorId, int year) => $"{contractorId:N}:{year}";
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

    public static ContractorTaxYear Apply(PaymentSent e, ContractorTaxYear y) =>
        y with { Payments = [.. y.Payments.Where(p => p.PaymentId != e.PaymentId), TaxRules.Classify(e.PaymentId, e.PaidOn, e.Method, e.Amount)] };

    public static ContractorTaxYear Apply(ManualPaymentRecorded e, ContractorTaxYear y) =>
        y with { Payments = [.. y.Payments, TaxRules.Classify(e.PaymentId, e.PaidOn, e.Method, e.Amount)] };

    public static ContractorTaxYear Apply(PaymentReversed e, ContractorTaxYear y) =>
        y with { Payments = y.Payments.Select(p => p.PaymentId == e.PaymentId ? p with { Reversed = true } : p).ToList() };
}

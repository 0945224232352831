using ContractTherapy.Payments.Payments;
using ContractTherapy.Payments.TaxReporting;

namespace ContractTherapy.Tests.Units;

/// <summary>The 1099 year's fold: a payment counts once, by its id, whichever event says it was paid.</summary>
public class TaxYearFoldTests
{
    private static readonly Guid Dana = Guid.Parse("d0000000-0000-4000-8000-00000000da1a");
    private static readonly Guid Check = Guid.Parse("c0000000-0000-4000-8000-0000000000c1");
    private static readonly Guid Held = Guid.Parse("c0000000-0000-4000-8000-0000000000c2");

    [Fact]
    public void a_payment_recorded_twice_by_hand_counts_once()
    {
        var check = new ManualPaymentRecorded(Check, Dana, 500m, new DateOnly(2026, 3, 1), "check", "CHK 1");
        var year = ContractorTaxYearProjection.Apply(check, ContractorTaxYearProjection.Create(check));
        year.Payments.ShouldHaveSingleItem().PaymentId.ShouldBe(Check);
        year.Total.ShouldBe(500m);
    }

    [Fact]
    public void a_payment_sent_and_then_paid_by_hand_counts_once_with_the_method_it_was_paid_by()
    {
        var year = ContractorTaxYearProjection.Create(new ManualPaymentRecorded(Check, Dana, 500m, new DateOnly(2026, 3, 1), "check", "CHK 1"));
        year = ContractorTaxYearProjection.Apply(new PaymentSent(Held, Dana, 340m, new DateOnly(2026, 3, 20), "stripe", "tr_1"), year);
        year = ContractorTaxYearProjection.Apply(new ManualPaymentRecorded(Held, Dana, 340m, new DateOnly(2026, 3, 20), "card", "Visa 4242"), year);
        year.Payments.Select(p => (p.PaymentId, p.Method)).ShouldBe([(Check, "check"), (Held, "card")]);
        (year.Total, year.ExcludedTotal).ShouldBe((500m, 340m));
    }
}

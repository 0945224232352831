using ContractTherapy.Host.Demo;

namespace ContractTherapy.Tests.Units;

/// <summary>
/// The demo tenant's payments recorded by hand, on every day of three years: the seeding runs on the real date (ops/run.sh,
/// the browser tests), and a payment dated in the future is refused, which stopped the seeding (and so the browser tests)
/// from January 1 to September 12 while this year's payments were fixed dates.
/// </summary>
public sealed class DemoPaymentsTests
{
    [Fact]
    public void no_payment_is_dated_after_the_day_the_demo_is_seeded_and_each_year_filed_has_a_form_to_file_and_excluded_amounts()
    {
        for (var today = new DateOnly(2026, 1, 1); today <= new DateOnly(2028, 12, 31); today = today.AddDays(1))
        {
            var payments = DemoData.ManualPayments(today);
            payments.ShouldAllBe(p => p.PaidOn <= today, $"seeded on {today}");
            // The year the accountant's screen opens on (the last one in January and February), and the last one, which the
            // browser test files: a payee over the highest threshold yet ($2,000), one paid less, and card or PayPal amounts.
            foreach (var year in new[] { today.Month < 3 ? today.Year - 1 : today.Year, today.Year - 1 })
            {
                var paid = payments.Where(p => p.PaidOn.Year == year).ToList();
                var totals = paid.Where(p => p.Method is not ("card" or "paypal")).GroupBy(p => p.Contractor).Select(g => g.Sum(p => p.Amount)).ToList();
                totals.ShouldContain(t => t >= 2000m, $"{year}, seeded on {today}");
                totals.ShouldContain(t => t < 2000m, $"{year}, seeded on {today}");
                paid.ShouldContain(p => p.Method == "card" || p.Method == "paypal", $"{year}, seeded on {today}");
            }
        }
    }
}

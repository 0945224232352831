using Microsoft.Extensions.Configuration;

namespace ContractTherapy.Payments.TaxReporting;

/// <summary>
/// The 1099-NEC rules that change by tax year, from configuration (<c>Tax:Nec:Thresholds:{year}</c>,
/// optional <c>Tax:Nec:DueDates:{year}</c>), never from constants: the threshold was $600
/// through 2025, $2,000 for 2026, and is indexed for inflation after.
/// </summary>
public sealed class TaxYearRules(IConfiguration config)
{
    public decimal? ThresholdFor(int year) => config.GetValue<decimal?>($"Tax:Nec:Thresholds:{year}");

    /// <summary>Recipient copies and filing are due January 31 of the next year, or the next business day.</summary>
    public DateOnly DueOn(int year)
    {
        if (config.GetValue<DateOnly?>($"Tax:Nec:DueDates:{year}") is { } configured) return configured;
        var due = new DateOnly(year + 1, 1, 31);
        return due.DayOfWeek switch
        {
            DayOfWeek.Saturday => due.AddDays(2),
            DayOfWeek.Sunday => due.AddDays(1),
            _ => due,
        };
    }

    /// <summary>Reportable when the year's total equals or exceeds the threshold.</summary>
    public static bool Reportable(decimal total, decimal threshold) => total >= threshold;
}

using ContractTherapy.Shared.Tenancy;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ContractTherapy.Payments.TaxReporting;

/// <summary>
/// Says at the host's start when the year being filed, the year under way or (in December) the next has no 1099-NEC threshold
/// (or, when its forms are due soon, no IRIS column template)
/// configured: the accountant's screen then shows that year's totals without saying who is reportable, and its IRIS
/// file is refused, until <c>Tax:Nec:Thresholds:{year}</c> is set (README, settings). A warning, not a failed start:
/// every other part of the product works, and the figure is published by the IRS, not ours to guess.
/// </summary>
public sealed class ThresholdReminder(TaxYearRules rules, TimeProvider clock, ILogger<ThresholdReminder> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // No tenant at start: the product's default zone decides which day it is.
        var today = clock.TodayIn(TenantSettings.DefaultTimeZone);
        foreach (var year in YearsMissing(rules, today))
            logger.LogWarning("No 1099-NEC threshold is configured for tax year {Year} (Tax:Nec:Thresholds:{Year}): its totals are shown " +
                "without who is reportable, and its IRIS file is refused, until it is set", year, year);
        foreach (var year in TemplatesMissing(today))
            logger.LogWarning("No IRIS 1099-NEC column template is known for tax year {Year} (iris-1099-nec-columns.json, a release of the " +
                "product): its IRIS file is refused until then", year);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The years that matter now without a threshold: last year's while its forms are being filed (January and February),
    /// the year under way, and in December the next one.
    /// </summary>
    public static IEnumerable<int> YearsMissing(TaxYearRules rules, DateOnly today) =>
        new[] { today.Month < 3 ? today.Year - 1 : (int?)null, today.Year, today.Month == 12 ? today.Year + 1 : null }
            .OfType<int>().Where(y => rules.ThresholdFor(y) is null);

    /// <summary>
    /// The years whose IRIS file is due soon without a column template: the year under way in December (filed in
    /// January), and last year's in January and February.
    /// </summary>
    public static IEnumerable<int> TemplatesMissing(DateOnly today) =>
        new[] { today.Month < 3 ? today.Year - 1 : (int?)null, today.Month == 12 ? today.Year : null }
            .OfType<int>().Where(y => IrisTemplate.ColumnsFor(y) is null);
}

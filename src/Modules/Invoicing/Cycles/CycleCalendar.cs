using ContractTherapy.Shared.Tenancy;

namespace ContractTherapy.Invoicing.Cycles;

/// <summary>Where billing cycles start and end (pure). A frequency change applies from the next cycle.</summary>
public static class CycleCalendar
{
    /// <summary>The period of the cycle that starts on <paramref name="start"/> under <paramref name="frequency"/>.</summary>
    public static (DateOnly Start, DateOnly End) PeriodFrom(DateOnly start, CycleFrequency frequency) => frequency switch
    {
        CycleFrequency.Weekly => (start, start.AddDays(6)),
        CycleFrequency.Biweekly => (start, start.AddDays(13)),
        // Semi-monthly runs 1st-15th and 16th-end; a cycle starting off those days runs to the next boundary.
        CycleFrequency.Semimonthly => (start, start.Day <= 15
            ? new DateOnly(start.Year, start.Month, 15)
            : new DateOnly(start.Year, start.Month, DateTime.DaysInMonth(start.Year, start.Month))),
        CycleFrequency.Monthly => (start, new DateOnly(start.Year, start.Month, DateTime.DaysInMonth(start.Year, start.Month))),
        _ => throw new ArgumentOutOfRangeException(nameof(frequency)),
    };
}

namespace ContractTherapy.Tests.Infrastructure;

/// <summary>
/// The host's clock in tests: real time, shifted so that the tests start on 2026-11-22 15:00 UTC
/// whatever day they run. Tests use fixed business dates (the worked example's March 2026) and
/// rules about "today" (no future visits, at most 365 days back, closes after the period); on
/// the shifted clock they mean the same next year as today. Token lifetimes stay on real time.
/// </summary>
public sealed class TestClock : TimeProvider
{
    public static readonly DateTimeOffset PretendStart = new(2026, 11, 22, 15, 0, 0, TimeSpan.Zero);
    public static readonly TestClock Instance = new();

    private readonly TimeSpan _shift = PretendStart - System.GetUtcNow();

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + _shift;

    /// <summary>Today in a time zone, on the shifted clock.</summary>
    public static DateOnly TodayIn(string zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(Instance.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById(zone)).DateTime);
}

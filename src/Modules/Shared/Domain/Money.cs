namespace ContractTherapy.Shared.Domain;

/// <summary>USD amounts are <c>decimal</c> with 2 places; a line is rounded once, totals are sums.</summary>
public static class Money
{
    /// <summary>Upper bound on any single amount we accept: far above any visit rate, far below overflow.</summary>
    public const decimal Max = 1_000_000m;

    /// <summary>Rounds a computed line amount once (banker's rounding would surprise a clerk).</summary>
    public static decimal Round(decimal amount) => decimal.Round(amount, 2, MidpointRounding.AwayFromZero);
}

namespace ContractTherapy.Chaos;

public sealed record ChaosOptions(bool Short, int Seed);

/// <summary>One row of the chaos table. <see cref="Lost"/> and <see cref="Doubled"/> must be 0.</summary>
public sealed record ScenarioResult(string Scenario, string Load, string Faults, string Result, int Lost, int Doubled, bool Passed)
{
    public double Seconds { get; init; }
}

public sealed record Scenario(string Name, Func<ChaosOptions, Task<ScenarioResult>> Run);

/// <summary>Every scenario of the chaos command, in the order the table shows them.</summary>
public static class Scenarios
{
    public static readonly Scenario[] All =
    [
        // Each scenario lives in its own file and adds itself here.
        Payouts.Scenario,
        VisitsCrash.Scenario,
        DatabaseAway.Scenario,
        TwoNodes.Scenario,
        Fuzz.Scenario,
    ];
}

public static class Table
{
    public static string Render(IReadOnlyList<ScenarioResult> results, ChaosOptions options)
    {
        var lines = new List<string>
        {
            $"Chaos run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, commit {Lab.Commit()}, seed {options.Seed}{(options.Short ? ", short" : "")}",
            "",
            "| scenario | load | faults injected | result | lost | doubled | verdict | time |",
            "|---|---|---|---|---|---|---|---|",
        };
        lines.AddRange(results.Select(r =>
            $"| {r.Scenario} | {r.Load} | {r.Faults} | {r.Result} | {Count(r.Lost)} | {Count(r.Doubled)} | {(r.Passed ? "pass" : "FAIL")} | {r.Seconds:0} s |"));
        return string.Join('\n', lines);
    }

    private static string Count(int n) => n < 0 ? "?" : n.ToString("N0");
}

public static class Log
{
    private static readonly DateTime Start = DateTime.UtcNow;
    public static void Line(string message) => Console.Error.WriteLine($"[{(DateTime.UtcNow - Start).TotalSeconds,7:0.0}s] {message}");
}

using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ContractTherapy.Chaos;

/// <summary>
/// Scenario "fuzz": the fuzzer of the test suite (tests/ContractTherapy.Tests/Security/FuzzTests.cs,
/// through ops/chaos/fuzz.sh on a throwaway PostgreSQL) at 10,000 requests (--short: 1,000) instead of
/// the suite's 300, seeded by the run's seed, as a row of the chaos table: no 5xx, every 4xx problem
/// details in the API's words (every 400 its validation problem, no product type named), no event appended
/// and no document changed by a refused request (counted as doubled: a refused write that left a trace).
/// </summary>
public static partial class Fuzz
{
    public static readonly Scenario Scenario = new("fuzz", Run);

    [GeneratedRegex(@"(\d+) 5xx, (\d+) 4xx without problem details, (\d+) not in the API's words, (\d+) refused of which (\d+) appended events, (\d+) changed documents \((\d+) accepted writes changed documents\); statuses (.*)$")]
    private static partial Regex Figures();

    private static async Task<ScenarioResult> Run(ChaosOptions options)
    {
        var count = options.Short ? 1000 : 10000;
        var start = new ProcessStartInfo(Path.Combine(Lab.Root, "ops/chaos/fuzz.sh")) { WorkingDirectory = Lab.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(count.ToString());
        start.Environment["CT_FUZZ_SEED"] = options.Seed.ToString();
        start.Environment["CT_TEST_PG_PORT"] = Environment.GetEnvironmentVariable("CT_CHAOS_FUZZ_PG_PORT") ?? "56400";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var failure in lines.Skip(1).Take(20)) Log.Line($"fuzz: {failure}");
        var match = lines.Length > 0 ? Figures().Match(lines[0]) : Match.Empty;
        if (!match.Success)
            return new ScenarioResult("fuzz", $"{count:N0} requests", "-", $"no figures (exit {process.ExitCode}): {(await error).Trim()}", -1, -1, false);
        int N(int group) => int.Parse(match.Groups[group].Value);
        var (fiveXx, notProblem, notOurWords, refused, withEvents, changedDocuments) = (N(1), N(2), N(3), N(4), N(5), N(6));
        return new ScenarioResult("fuzz",
            $"{count:N0} requests generated from the OpenAPI document to every endpoint, tokens of the 7 roles, seed {options.Seed}",
            "real and foreign record ids, malformed ids, wrong types, nulls, huge numbers, control characters, out-of-range dates, " +
            "500-item arrays, malformed JSON, empty bodies, wrong media types, odd Idempotency-Keys",
            $"{fiveXx} x 5xx, {notProblem} x 4xx without problem details, {notOurWords} not in the API's words, {refused:N0} refused of which {withEvents} appended events and {changedDocuments} changed documents; statuses {match.Groups[8].Value}",
            Lost: 0, Doubled: withEvents + changedDocuments,
            Passed: process.ExitCode == 0 && fiveXx == 0 && notProblem == 0 && notOurWords == 0 && withEvents == 0 && changedDocuments == 0);
    }
}

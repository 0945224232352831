using ContractTherapy.Chaos;

// ops/chaos/run.sh [--short] [scenario ...]: runs the chosen scenarios (all by default) and prints
// one markdown table. Exit code 1 when any scenario lost or doubled anything or failed its checks.
var shortRun = args.Contains("--short");
var chosen = args.Where(a => !a.StartsWith("--")).ToHashSet(StringComparer.OrdinalIgnoreCase);
var options = new ChaosOptions(Short: shortRun, Seed: int.TryParse(Environment.GetEnvironmentVariable("CT_CHAOS_SEED"), out var s) ? s : Random.Shared.Next());

var results = new List<ScenarioResult>();
foreach (var scenario in Scenarios.All)
{
    if (chosen.Count > 0 && !chosen.Contains(scenario.Name)) continue;
    Log.Line($"== {scenario.Name} (seed {options.Seed}{(shortRun ? ", short" : "")})");
    var started = DateTime.UtcNow;
    ScenarioResult result;
    try
    {
        result = await scenario.Run(options);
    }
    catch (Exception e)
    {
        result = new ScenarioResult(scenario.Name, "-", "-", $"could not run: {e.GetType().Name}: {e.Message}", Lost: -1, Doubled: -1, Passed: false);
        Log.Line(e.ToString());
    }
    results.Add(result with { Seconds = (DateTime.UtcNow - started).TotalSeconds });
}

Console.WriteLine();
Console.WriteLine(Table.Render(results, options));
return results.All(r => r.Passed) ? 0 : 1;

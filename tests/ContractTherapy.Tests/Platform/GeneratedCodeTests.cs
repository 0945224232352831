using System.Diagnostics;

namespace ContractTherapy.Tests.Platform;

/// <summary>
/// A Release host only loads the handler and endpoint code committed in src/Host/Internal/Generated
/// (TypeLoadMode.Static): code generated from an older handler would run as it was generated, or
/// not be found. So the committed files must be exactly what `codegen write` writes for the code as
/// it is now (README, "Generated code").
/// </summary>
public sealed class GeneratedCodeTests
{
    private const string Regenerate = "ops/codegen.sh";

    [Fact]
    public async Task the_committed_generated_code_is_what_codegen_write_writes_now()
    {
        var committed = Path.Combine(RepositoryRoot(), "src", "Host", "Internal", "Generated");
        var root = Directory.CreateTempSubdirectory("ct-codegen-").FullName;
        try
        {
            // The host as built writes into <content root>/Internal/Generated; here, a scratch folder.
            File.Copy(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), Path.Combine(root, "appsettings.json"));
            var output = await CodegenWrite(root);
            var written = Path.Combine(root, "Internal", "Generated");
            Directory.Exists(written).ShouldBeTrue("codegen write wrote nothing:\n" + output);

            var expected = Files(written);
            var actual = Directory.Exists(committed) ? Files(committed) : new Dictionary<string, string>();
            var problems = new List<string>();
            foreach (var (file, code) in expected)
            {
                if (!actual.TryGetValue(file, out var have)) problems.Add($"missing: {file}");
                else if (have != code) problems.Add($"out of date: {file}");
            }
            problems.AddRange(actual.Keys.Where(f => !expected.ContainsKey(f)).Select(f => $"no longer generated: {f}"));

            expected.Count.ShouldBeGreaterThan(0, "codegen write wrote no file:\n" + output);
            problems.ShouldBeEmpty(
                $"src/Host/Internal/Generated differs from what the handlers and endpoints generate now; run {Regenerate} and commit the result.");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<string> CodegenWrite(string contentRoot)
    {
        var host = Path.Combine(AppContext.BaseDirectory, "ContractTherapy.Host.dll");
        var start = new ProcessStartInfo("dotnet", [host, "codegen", "write"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = contentRoot,
        };
        // The same settings as ops/codegen.sh: generation reads no database.
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_CONTENTROOT"] = contentRoot;
        start.Environment["Auth__DevTokens"] = "true";
        start.Environment["ConnectionStrings__Postgres"] = "Host=127.0.0.1;Port=1;Username=postgres;Database=none;Timeout=5";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        var output = await stdout + await stderr;
        process.ExitCode.ShouldBe(0, "codegen write failed:\n" + output);
        return output;
    }

    /// <summary>Every generated file by its path under the folder, its text with Unix line endings.</summary>
    private static Dictionary<string, string> Files(string folder) =>
        Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(folder, f).Replace('\\', '/'),
            f => File.ReadAllText(f).Replace("\r\n", "\n"));

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ContractTherapy.sln"))) return dir.FullName;
        throw new InvalidOperationException("ContractTherapy.sln not found above " + AppContext.BaseDirectory);
    }
}

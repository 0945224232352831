using System.Diagnostics;

namespace ContractTherapy.Tests.Platform;

/// <summary>What a person sees in the terminal when the built host starts (as ops/run.sh starts it).</summary>
public sealed class ConsoleOutputTests
{
    [Fact]
    public async Task a_plain_start_prints_no_command_discovery_lines()
    {
        // The host as built, started on a database that refuses connections: it gets as far as
        // starting (and fails there, quickly) without anything to clean up afterwards.
        var host = Path.Combine(AppContext.BaseDirectory, "ContractTherapy.Host.dll");
        var start = new ProcessStartInfo("dotnet", [host])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["Auth__DevTokens"] = "true";
        start.Environment["ConnectionStrings__Postgres"] = "Host=127.0.0.1;Port=1;Username=postgres;Database=none;Timeout=5";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        var output = await stdout + await stderr;

        output.ShouldContain("Failed to connect to 127.0.0.1:1");
        output.ShouldNotContain("for commands");
        output.ShouldNotContain("Searching '");
    }
}

using ContractTherapy.Shared.Security;
using JasperFx.CommandLine;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Wolverine.Http;

namespace ContractTherapy.Audit;

/// <summary><c>POST /api/audit/replay</c>: fold every projection again from the events and compare with the live documents.</summary>
public static class ReplayEndpoint
{
    [WolverinePost("/api/audit/replay"), Authorize(Policy = Policies.AuditRead), Tags("Audit")]
    [ProducesResponseType<ReplayReport>(StatusCodes.Status200OK)]
    public static async Task<ReplayReport> Post(ReplayService replay, CancellationToken ct) => await replay.RunAsync(ct);
}

/// <summary><c>dotnet run --project src/Host -- replay-verify</c>: the same replay from the command line; exits non-zero on a difference.</summary>
[Description("Folds every projection again from the events and compares it with the live documents", Name = "replay-verify")]
public sealed class ReplayVerifyCommand : JasperFxAsyncCommand<NetCoreInput>
{
    public override async Task<bool> Execute(NetCoreInput input)
    {
        using var host = input.BuildHost();
        var report = await host.Services.GetRequiredService<ReplayService>().RunAsync(CancellationToken.None);
        Console.WriteLine($"Replayed {report.Events} events up to sequence {report.HighWaterMark} in {report.ElapsedMilliseconds} ms.");
        foreach (var p in report.Projections)
            Console.WriteLine($"  {p.Name,-24} {p.Documents,8} documents  {(p.Identical ? "identical" : $"{p.Differences.Count} differences")}");
        return report.Projections.All(p => p.Identical);
    }
}

using ContractTherapy.Shared.Audit;
using JasperFx;
using JasperFx.CommandLine;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

// The replay-verify command lives here; JasperFx looks for commands in assemblies marked so.
[assembly: JasperFxAssembly]

namespace ContractTherapy.Audit;

/// <summary>
/// The Audit module: compliance across all modules (stream history, lineage, replay and verify,
/// the hash chain, the export and the PHI access log). It only reads what the other modules
/// record, and adds the chain links and access log entries of its own.
/// </summary>
public static class AuditModule
{
    public static StoreOptions AddAudit(this StoreOptions opts)
    {
        opts.Schema.For<ChainLink>();
        opts.Schema.For<PhiAccess>().Index(a => a.At).Index(a => a.UserId);
        return opts;
    }

    /// <param name="store">
    /// How the host configures the live store; the replay builds a store of its own with exactly
    /// the same configuration (reading the live schema, writing nothing).
    /// </param>
    public static WolverineOptions AddAudit(this WolverineOptions opts, StoreBlueprint store)
    {
        opts.Discovery.IncludeAssembly(typeof(AuditModule).Assembly);
        opts.Services.AddSingleton(store);
        opts.Services.AddSingleton<AuditEventRenderer>();
        opts.Services.AddSingleton<ReplayService>();
        opts.Services.AddSingleton<AuditChainSubscription>();
        opts.Services.AddSingleton<IConfigureMarten, AuditChainWiring>();
        return opts;
    }

    /// <summary>The hash chain subscribes to the live store only (the replay's store has no chain of its own).</summary>
    private sealed class AuditChainWiring(AuditChainSubscription subscription) : IConfigureMarten
    {
        public void Configure(IServiceProvider services, StoreOptions options) => options.Events.Subscribe(subscription);
    }
}

/// <summary>The live store's connection, schema and configuration, given by the host that composes the modules.</summary>
public sealed record StoreBlueprint(string ConnectionString, string Schema, Action<StoreOptions, string> Configure);

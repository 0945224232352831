using ContractTherapy.Visits.Eligibility;
using ContractTherapy.Visits.LoggingVisits;
using ContractTherapy.Visits.Visits;
using ContractTherapy.Visits.WatchingVisits;
using JasperFx.Events.Projections;
using Marten;
using Marten.Schema;
using Marten.Schema.Indexing.Unique;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Wolverine;

namespace ContractTherapy.Visits;

/// <summary>The Visits module: visits logged, signed, corrected and voided; eligibility; the live feed.</summary>
public static class VisitsModule
{
    public const string HeldKeyIndex = "mt_doc_visit_uidx_held_key";

    public static StoreOptions AddVisits(this StoreOptions opts)
    {
        opts.Projections.Snapshot<Visit>(SnapshotLifecycle.Inline);
        opts.Projections.Add<ContractorEligibilityProjection>(ProjectionLifecycle.Inline);
        opts.Schema.For<Visit>()
            .Index(v => v.VisitDate)
            .Index(v => v.ContractorId)
            .Index(v => v.AgencyId)
            // The duplicate guard: one holder a key in a tenant (Visit.HoldsKey). A visit holding none has a null key,
            // which no unique index compares. The write's guard probes it by tenant and key (VisitWriteGuard).
            .UniqueIndex(UniqueIndexType.DuplicatedField, HeldKeyIndex, TenancyScope.PerTenant, v => v.HeldKey!);
        // Two visits racing for one key: a 409 (UniqueKeys.Taken), not an error.
        ContractTherapy.Shared.Persistence.UniqueKeys.Declare(HeldKeyIndex);
        return opts;
    }

    public static WolverineOptions AddVisits(this WolverineOptions opts, IConfiguration? config = null)
    {
        opts.Discovery.IncludeAssembly(typeof(VisitsModule).Assembly);
        opts.Services.AddSingleton<VisitFeed>();
        // Group commit of logged visits, its options from configuration (Visits:GroupCommit) when there is one.
        opts.Services.AddSingleton(config?.GetSection("Visits:GroupCommit").Get<VisitGroupCommitOptions>() ?? new VisitGroupCommitOptions());
        opts.Services.AddSingleton<VisitGroupCommit>();
        // The function the group commit's write guard calls to fail the write before it spends anything (VisitWriteGuard).
        opts.Services.AddSingleton<IConfigureMarten, VisitWriteGuardFunction>();
        // Other nodes' visits reach this node's watchers by polling the event store while someone watches.
        opts.Services.AddHostedService<VisitFeedPoller>();
        // A close's visits are marked invoiced in parts of 1,000, one part at a time: background work that must leave a
        // core to the people reading the invoices the close has just issued.
        opts.LocalQueueFor<InvoicingVisits.VisitsInvoiced>().Sequential();
        return opts;
    }
}

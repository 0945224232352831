using ContractTherapy.Rates.Agencies;
using ContractTherapy.Rates.PaySheets;
using ContractTherapy.Rates.Placements;
using JasperFx.Events.Projections;
using Marten;
using Wolverine;

namespace ContractTherapy.Rates;

/// <summary>The Rates module: home health agencies with their bill rates, and contractors' pay sheets.</summary>
public static class RatesModule
{
    public static StoreOptions AddRates(this StoreOptions opts)
    {
        opts.Projections.Snapshot<Agency>(SnapshotLifecycle.Inline);
        opts.Projections.Snapshot<PaySheet>(SnapshotLifecycle.Inline);
        opts.Projections.Add<ContractorPlacementsProjection>(ProjectionLifecycle.Inline);
        return opts;
    }

    public static WolverineOptions AddRates(this WolverineOptions opts)
    {
        opts.Discovery.IncludeAssembly(typeof(RatesModule).Assembly);
        return opts;
    }
}

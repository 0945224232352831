using ContractTherapy.Contractors.Contractors;
using JasperFx.Events.Projections;
using Marten;
using Wolverine;

namespace ContractTherapy.Contractors;

/// <summary>The Contractors module: contractors, their W-9s, agency placements and payout accounts.</summary>
public static class ContractorsModule
{
    public static StoreOptions AddContractors(this StoreOptions opts)
    {
        opts.Projections.Snapshot<Contractor>(SnapshotLifecycle.Inline);
        opts.Schema.For<Contractor>().Index(c => c.Email);
        return opts;
    }

    public static WolverineOptions AddContractors(this WolverineOptions opts)
    {
        opts.Discovery.IncludeAssembly(typeof(ContractorsModule).Assembly);
        return opts;
    }
}

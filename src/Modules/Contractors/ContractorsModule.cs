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
        // Onboarding refuses an e-mail already used, compared without case (lower(email) = ...): the index
        // must be on the lowered value, or every onboarding scans the tenant's contractors (8 ms a call
        // at 10,000 contractors, ops/bench/README.md, "The 1099-NEC year alone").
        opts.Schema.For<Contractor>().Index(c => c.Email, index => index.Casing = Marten.Schema.ComputedIndex.Casings.Lower);
        return opts;
    }

    public static WolverineOptions AddContractors(this WolverineOptions opts)
    {
        opts.Discovery.IncludeAssembly(typeof(ContractorsModule).Assembly);
        return opts;
    }
}

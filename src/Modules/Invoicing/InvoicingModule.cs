using ContractTherapy.Shared.Tenancy;
using JasperFx.Events.Projections;
using Marten;
using Wolverine;

namespace ContractTherapy.Invoicing;

/// <summary>The Invoicing module: tenant settings and billing cycles (cycles and invoices come with the cycles issue).</summary>
public static class InvoicingModule
{
    public static StoreOptions AddInvoicing(this StoreOptions opts)
    {
        opts.Projections.Snapshot<TenantSettings>(SnapshotLifecycle.Inline);
        return opts;
    }

    public static WolverineOptions AddInvoicing(this WolverineOptions opts)
    {
        opts.Discovery.IncludeAssembly(typeof(InvoicingModule).Assembly);
        return opts;
    }
}

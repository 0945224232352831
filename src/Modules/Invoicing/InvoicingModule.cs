using ContractTherapy.Invoicing.Billing;
using ContractTherapy.Invoicing.Cycles;
using ContractTherapy.Invoicing.Invoices;
using ContractTherapy.Shared.Tenancy;
using JasperFx.Events.Projections;
using Marten;
using Wolverine;

namespace ContractTherapy.Invoicing;

/// <summary>The Invoicing module: tenant settings, billing cycles, invoices, and the rate and visit facts a close needs.</summary>
public static class InvoicingModule
{
    public static StoreOptions AddInvoicing(this StoreOptions opts)
    {
        opts.Projections.Snapshot<TenantSettings>(SnapshotLifecycle.Inline);
        opts.Projections.Snapshot<BillingCycle>(SnapshotLifecycle.Inline);
        opts.Projections.Snapshot<Invoice>(SnapshotLifecycle.Inline);
        opts.Projections.Add<AgencyTermsProjection>(ProjectionLifecycle.Inline);
        opts.Projections.Add<ContractorPayBookProjection>(ProjectionLifecycle.Inline);
        opts.Projections.Add<BillableVisitProjection>(ProjectionLifecycle.Inline);
        opts.Schema.For<BillableVisit>().Index(v => v.VisitDate);
        opts.Schema.For<Invoice>().Index(i => i.CycleId).Index(i => i.AgencyId);
        return opts;
    }

    public static WolverineOptions AddInvoicing(this WolverineOptions opts)
    {
        opts.Discovery.IncludeAssembly(typeof(InvoicingModule).Assembly);
        // Invoice PDFs embed DejaVu Sans: a host without the font fails here, naming the package to install.
        PrintingInvoices.InvoiceFonts.Register();
        return opts;
    }
}

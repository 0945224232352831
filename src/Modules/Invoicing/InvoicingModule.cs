using ContractTherapy.Invoicing.Billing;
using ContractTherapy.Invoicing.Cycles;
using ContractTherapy.Invoicing.Invoices;
using ContractTherapy.Invoicing.NotifyingAgencies;
using ContractTherapy.Shared.Tenancy;
using JasperFx.Core;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.ErrorHandling;

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
        // The close asks for the visits not yet invoiced and for the invoiced visits changed since. The table holds only
        // those (a close deletes the documents of the visits it took), so the first reads the tenant's rows through the
        // primary key; the second, a few among them, goes through a partial index whose predicate is the query's SQL.
        opts.Schema.For<BillableVisit>()
            .StartIndexesByTenantId() // every query of the close names its tenant
            .Index(v => v.Invoiced, index => index.Predicate = BillableVisitQueries.ChangedSinceInvoicedPredicate)
            // Empty once the start-up migration moved the documents of the old shape (BillableVisitsWithoutBilledState).
            .Index(v => v.VisitDate, index =>
            {
                index.Name = BillableVisitsWithoutBilledState.OldShapeIndex;
                index.Predicate = BillableVisitsWithoutBilledState.OldShapePredicate;
            });
        // The closes by the visits of their lines: created at start (ClosedLineVisits), an index Marten does not know of.
        opts.Events.IgnoreIndex(ClosedLineVisits.IndexName);
        opts.Schema.For<Invoice>().Index(i => i.CycleId).Index(i => i.AgencyId);
        return opts;
    }

    public static WolverineOptions AddInvoicing(this WolverineOptions opts)
    {
        opts.Discovery.IncludeAssembly(typeof(InvoicingModule).Assembly);
        opts.Services.AddSingleton<InvoiceMailer>();
        // A logged visit's billable document is written by the group commit with the visit (WrittenWhenLogged).
        opts.Services.AddSingleton<ContractTherapy.Visits.LoggingVisits.ILoggedVisitWriter, WrittenWhenLogged>();
        // Run by Marten at each start, after the schema: invoice documents of the shape stored before 2026-12-06.
        opts.Services.AddSingleton<Marten.Schema.IInitialData, InvoiceDocumentsWithoutLines>();
        // ... billable visits stored with their billed state (the shape stored before 2026-12-07) ...
        opts.Services.AddSingleton<Marten.Schema.IInitialData, BillableVisitsWithoutBilledState>();
        // ... and the index that finds the line an invoiced visit was billed on.
        opts.Services.AddSingleton<Marten.Schema.IInitialData, ClosedLineVisits>();
        // An SMTP server that is down or answers 4xx/5xx is tried again: quickly at first, then
        // backing off; the notice stays in the durable inbox until it is sent, never dropped.
        opts.Policies.OnException<NoticeDeliveryFailed>()
            .RetryWithCooldown(250.Milliseconds(), 1.Seconds(), 3.Seconds())
            .Then.ScheduleRetryIndefinitely(30.Seconds(), 2.Minutes(), 10.Minutes());
        // Invoice PDFs embed DejaVu Sans: a host without the font fails here, naming the package to install.
        PrintingInvoices.InvoiceFonts.Register();
        return opts;
    }
}

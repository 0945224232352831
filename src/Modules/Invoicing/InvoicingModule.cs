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
        // The close asks for the visits not yet invoiced and for those invoiced and changed since: a few among every visit
        // ever billed. Partial indexes (their predicates are the expressions Marten writes for those two queries) keep
        // both from reading the tenant's whole history: after one close of 50,000 visits the next close's first query took
        // 254 ms over all of them, 0.03 ms through the index, and it grew with every cycle (ops/bench/README.md).
        opts.Schema.For<BillableVisit>()
            .StartIndexesByTenantId() // every query of the close names its tenant
            .Index(v => v.VisitDate, index => index.Predicate = BillableVisitQueries.NotInvoicedPredicate)
            .Index(v => v.PendingAdjustment, index => index.Predicate = BillableVisitQueries.PendingAdjustmentPredicate)
            // Empty once the start-up migration moved the billed state of the old shape (BilledStateByReference).
            .Index(v => v.VisitDate, index =>
            {
                index.Name = "mt_doc_billablevisit_idx_billed_line_copy";
                index.Predicate = BilledStateByReference.OldShapePredicate;
            });
        opts.Schema.For<Invoice>().Index(i => i.CycleId).Index(i => i.AgencyId);
        return opts;
    }

    public static WolverineOptions AddInvoicing(this WolverineOptions opts)
    {
        opts.Discovery.IncludeAssembly(typeof(InvoicingModule).Assembly);
        opts.Services.AddSingleton<InvoiceMailer>();
        // Run by Marten at each start, after the schema: invoice documents of the shape stored before 2026-12-06.
        opts.Services.AddSingleton<Marten.Schema.IInitialData, InvoiceDocumentsWithoutLines>();
        // ... and billable visits whose billed state carried a copy of its line (the shape stored before 2026-12-07).
        opts.Services.AddSingleton<Marten.Schema.IInitialData, BilledStateByReference>();
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

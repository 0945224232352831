using Microsoft.Extensions.DependencyInjection;
using ContractTherapy.Payroll.PayRuns;
using JasperFx.Events.Projections;
using Marten;
using Wolverine;

namespace ContractTherapy.Payroll;

/// <summary>The Payroll module: pay runs and the pay stubs they issue (approval and payments come with the payments issue).</summary>
public static class PayrollModule
{
    public static StoreOptions AddPayroll(this StoreOptions opts)
    {
        opts.Projections.Snapshot<PayRun>(SnapshotLifecycle.Inline);
        opts.Projections.Snapshot<Earnings.ContractorEarnings>(SnapshotLifecycle.Inline);
        opts.Projections.Add<PayStubProjection>(ProjectionLifecycle.Inline);
        opts.Schema.For<PayStub>().Index(p => p.CycleId).Index(p => p.ContractorId);
        return opts;
    }

    public static WolverineOptions AddPayroll(this WolverineOptions opts)
    {
        opts.Discovery.IncludeAssembly(typeof(PayrollModule).Assembly);
        // Run by Marten at each start, after the schema: pay stub documents of the shape stored before 2026-12-06.
        opts.Services.AddSingleton<Marten.Schema.IInitialData, PayRuns.PayStubDocumentsWithoutLines>();
        // One contractor's payments arrive together (a pay run); noting them one at a time on
        // this node avoids racing on the contractor's earnings stream (the retry policy covers nodes).
        opts.LocalQueueFor<Earnings.PaymentToContractor>().Sequential();
        return opts;
    }
}

using ContractTherapy.Payments.Payables;
using ContractTherapy.Payments.Payees;
using ContractTherapy.Payments.Payments;
using ContractTherapy.Payments.SendingPayments;
using ContractTherapy.Payments.TaxReporting;
using JasperFx.Core;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.ErrorHandling;

namespace ContractTherapy.Payments;

/// <summary>The Payments module: Stripe and manual payments to contractors.</summary>
public static class PaymentsModule
{
    public static StoreOptions AddPayments(this StoreOptions opts)
    {
        opts.Projections.Snapshot<Payment>(SnapshotLifecycle.Inline);
        opts.Projections.Add<ContractorPayeeProjection>(ProjectionLifecycle.Inline);
        opts.Projections.Add<PayableStubProjection>(ProjectionLifecycle.Inline);
        opts.Schema.For<Payment>().Index(p => p.ContractorId);
        opts.Schema.For<PayableStub>().Index(s => s.CycleId);
        opts.Schema.For<StripeSendAttempt>();
        // Async: payments of one contractor are recorded concurrently (Stripe sends, manual entries,
        // webhooks), and an inline multi-stream document would lose all but the last writer's update.
        // The daemon (distributed by Wolverine) applies the events one at a time, in order.
        opts.Projections.Add<ContractorTaxYearProjection>(ProjectionLifecycle.Async);
        opts.Schema.For<ContractorTaxYear>().Index(y => y.Year);
        return opts;
    }

    public static WolverineOptions AddPayments(this WolverineOptions opts, IConfiguration? config = null)
    {
        opts.Discovery.IncludeAssembly(typeof(PaymentsModule).Assembly);
        opts.Services.AddSingleton<StripeTransfers>();
        opts.Services.AddSingleton<TaxYearRules>();
        opts.Services.AddHostedService<ThresholdReminder>();
        // An uncertain Stripe outcome (network, timeout, 409, 429, 5xx) is retried with the same
        // idempotency key: quickly at first, then backing off; the message is never dropped.
        var (inline, scheduled) = SendRetryCooldowns(config);
        opts.Policies.OnException<TransferUncertain>()
            .RetryWithCooldown(inline)
            .Then.ScheduleRetryIndefinitely(scheduled);
        return opts;
    }

    /// <summary>
    /// The cooldowns between retries of an uncertain send: in memory at first, then scheduled
    /// (durable, so a restart keeps them). <c>Payments:SendRetryScale</c> (default 1) multiplies
    /// them all: the chaos command runs with 0.01 so a pay run under faults ends in minutes, not
    /// hours; production keeps the defaults.
    /// </summary>
    public static (TimeSpan[] Inline, TimeSpan[] Scheduled) SendRetryCooldowns(IConfiguration? config)
    {
        var scale = config?.GetValue("Payments:SendRetryScale", 1.0) ?? 1.0;
        if (scale is <= 0 or > 1 || double.IsNaN(scale))
            throw new InvalidOperationException("Payments:SendRetryScale must be greater than 0 and at most 1.");
        TimeSpan[] Scaled(params TimeSpan[] cooldowns) => cooldowns.Select(c => c * scale).ToArray();
        return (Scaled(200.Milliseconds(), 1.Seconds(), 3.Seconds()), Scaled(30.Seconds(), 2.Minutes(), 10.Minutes()));
    }
}

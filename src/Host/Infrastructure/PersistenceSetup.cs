using ContractTherapy.Audit;
using ContractTherapy.Contractors;
using ContractTherapy.Invoicing;
using ContractTherapy.Payments;
using ContractTherapy.Payroll;
using ContractTherapy.Rates;
using ContractTherapy.Visits;
using ContractTherapy.Shared.Idempotency;
using JasperFx;
using JasperFx.Events;
using JasperFx.MultiTenancy;
using Marten;
using Weasel.Core;
using Wolverine.Marten;

namespace ContractTherapy.Host.Infrastructure;

public static class PersistenceSetup
{
    public const string Schema = "contracttherapy";

    public static string ConnectionString(IConfiguration config) =>
        config.GetConnectionString("Postgres")
        ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured (ops/run.sh sets it for local runs).");

    /// <summary>
    /// The store's whole configuration: the live store uses it, and so does the replay's scratch
    /// store (another schema), so both build the same documents from the same events.
    /// </summary>
    public static void ConfigureStore(StoreOptions opts, string connectionString, string schema)
    {
        opts.Connection(connectionString);
        opts.DatabaseSchemaName = schema;
        opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);

        opts.Events.TenancyStyle = TenancyStyle.Conjoined;
        opts.Policies.AllDocumentsAreMultiTenanted();
        opts.Events.UseMandatoryStreamTypeDeclaration = true;
        opts.Events.MetadataConfig.CorrelationIdEnabled = true;
        opts.Events.MetadataConfig.CausationIdEnabled = true;
        opts.Events.MetadataConfig.HeadersEnabled = true;
        opts.Events.MetadataConfig.UserNameEnabled = true;

        opts.Schema.For<IdempotentRequest>();
        opts.Schema.For<ContractTherapy.Payments.ReceivingStripeWebhooks.ProcessedStripeEvent>();

        opts.AddContractors();
        opts.AddRates();
        opts.AddInvoicing();
        opts.AddVisits();
        opts.AddPayroll();
        opts.AddPayments();
        opts.AddAudit();
    }

    /// <summary>The live store's configuration as the Audit module's replay needs it (the same, in a scratch schema).</summary>
    public static StoreBlueprint Blueprint(IConfiguration config)
    {
        var connectionString = ConnectionString(config);
        return new StoreBlueprint(connectionString, Schema, (opts, schema) => ConfigureStore(opts, connectionString, schema));
    }

    /// <summary>
    /// One Marten store, conjoined multi-tenancy (tenant = the therapy agency), event metadata
    /// on (the audit trail), each module adding its own streams and projections.
    /// </summary>
    public static void AddContractTherapyPersistence(this WebApplicationBuilder builder)
    {
        var connectionString = ConnectionString(builder.Configuration);
        builder.Services.AddMarten(opts => ConfigureStore(opts, connectionString, Schema))
            .UseLightweightSessions()
            // Async projections are distributed by Wolverine, not Marten's HotCold daemon (see ops/nuget/README.md).
            .IntegrateWithWolverine(m => m.UseWolverineManagedEventSubscriptionDistribution = true)
            .ApplyAllDatabaseChangesOnStartup();
    }
}

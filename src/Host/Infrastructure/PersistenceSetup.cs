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
using JasperFx.Core;
using Wolverine;
using Wolverine.Marten;

namespace ContractTherapy.Host.Infrastructure;

public static class PersistenceSetup
{
    public const string Schema = "contracttherapy";

    public static string ConnectionString(IConfiguration config) => WithDefaults(
        config.GetConnectionString("Postgres")
        ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured (ops/run.sh sets it for local runs)."));

    /// <summary>Statements prepared once a connection has run them this many times (Npgsql's automatic preparation).</summary>
    public const int MaxAutoPrepare = 64;

    /// <summary>
    /// Npgsql's automatic preparation, unless the connection string says otherwise. Besides sparing PostgreSQL
    /// the parse and plan of every hot statement, it changes how a pooled connection is reset: with prepared
    /// statements Npgsql resets a returned connection without <c>DISCARD ALL</c> (which also throws away
    /// PL/pgSQL's cached plans) but still unlocks advisory locks, drops temporary tables, resets settings and
    /// stops listening. Marten's <c>mt_quick_append_events</c> is PL/pgSQL: after every <c>DISCARD ALL</c> it was
    /// planned again, 0.74 ms a visit against about 0.2 ms with its plans kept (ops/bench/README.md, "cost.sh").
    /// </summary>
    public static string WithDefaults(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (given.ContainsKey("Max Auto Prepare") || given.ContainsKey("MaxAutoPrepare")) return connectionString;
        return new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = MaxAutoPrepare }.ConnectionString;
    }

    /// <summary>
    /// The store's whole configuration: the live store uses it, and so does the replay's own
    /// store (its own projection instances, reading the live schema), so both build the same documents from the same events.
    /// </summary>
    public static void ConfigureStore(StoreOptions opts, string connectionString, string schema)
    {
        opts.Connection(connectionString);
        opts.DatabaseSchemaName = schema;
        opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);

        opts.Events.TenancyStyle = TenancyStyle.Conjoined;
        // Marten's default (QuickWithServerTimestamps) appends every event through the PL/pgSQL function
        // mt_quick_append_events, the costliest statement of a logged visit (0.077-0.094 ms a visit); Quick starts a new
        // stream with two plain inserts (0.007 + about 0.03 ms) and appends to an existing one through the same function.
        // The events' timestamps are then the host's clock instead of the database's (ops/bench/README.md, "Marten's append
        // mode"). Every other guarantee is the same: the stream's insert still fails on a taken id.
        opts.Events.AppendMode = JasperFx.Events.EventAppendMode.Quick;
        opts.Policies.AllDocumentsAreMultiTenanted();
        opts.Events.UseMandatoryStreamTypeDeclaration = true;
        opts.Events.MetadataConfig.CorrelationIdEnabled = true;
        opts.Events.MetadataConfig.CausationIdEnabled = true;
        opts.Events.MetadataConfig.HeadersEnabled = true;
        opts.Events.MetadataConfig.UserNameEnabled = true;

        opts.Schema.For<IdempotentRequest>();
        opts.Schema.For<ContractTherapy.Payments.ReceivingStripeWebhooks.ProcessedStripeEvent>();

        // How soon the async projections and the audit chain follow a write (README, "Read your own
        // writes"): the high-water agent looks again after 100 ms while events flow and 250 ms when idle
        // (Marten's defaults: 250 ms and 1 s), and a gap left by a rolled-back transaction is skipped
        // after 300 ms instead of 3 s. Skipping stays safe: Marten first checks that no transaction
        // that could still fill the gap is alive. On the live store a commit also wakes the agent at once,
        // except while commits keep landing: then it looks every 200 ms (AppendWakeup.BusyInterval).
        opts.Projections.FastPollingTime = TimeSpan.FromMilliseconds(100);
        opts.Projections.SlowPollingTime = TimeSpan.FromMilliseconds(250);
        opts.Projections.StaleSequenceThreshold = TimeSpan.FromMilliseconds(300);

        opts.AddContractors();
        opts.AddRates();
        opts.AddInvoicing();
        opts.AddVisits();
        opts.AddPayroll();
        opts.AddPayments();
        opts.AddAudit();
    }

    /// <summary>The live store's configuration as the Audit module's replay needs it (the same, for a store of its own).</summary>
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
        var wakeup = new AppendWakeup();
        builder.Services.AddSingleton(wakeup);
        builder.Services.AddMarten(opts =>
            {
                ConfigureStore(opts, connectionString, Schema);
                opts.Listeners.Add(wakeup);
                opts.Projections.Wakeup = wakeup;
            })
            .UseLightweightSessions()
            // Async projections are distributed by Wolverine, not Marten's HotCold daemon (see ops/nuget/README.md).
            .IntegrateWithWolverine(m => m.UseWolverineManagedEventSubscriptionDistribution = true)
            .ApplyAllDatabaseChangesOnStartup();
    }

    /// <summary>
    /// The async projections and the audit chain run as Wolverine agents, which the leader node
    /// assigns in its health check. By default that check first runs 3 s + 10 s after start, so the
    /// first writes after a start stayed out of the 1099 totals and the chain for 9-13 s. Checking
    /// half a second after start and every 2 s starts them within about 2.5 s (a heartbeat write and
    /// an assignment check every 2 s cost next to nothing).
    /// A node that stops beating (killed, lost its network) is stale after 10 s instead of Wolverine's
    /// 1 minute: five missed heartbeats, then its agents (async projections, the audit chain) move to
    /// a live node and its durable messages (a pay run's sends) are released to be handled there, so
    /// another node takes over within about 15 s (ops/chaos/README.md, two-nodes). Wolverine deletes
    /// the node only after two consecutive stale observations, so one slow heartbeat ejects nobody.
    /// </summary>
    public static WolverineOptions StartAgentsPromptly(this WolverineOptions opts)
    {
        opts.Durability.FirstHealthCheckExecution = 500.Milliseconds();
        opts.Durability.HealthCheckPollingTime = 2.Seconds();
        opts.Durability.StaleNodeTimeout = 10.Seconds();
        return opts;
    }
}

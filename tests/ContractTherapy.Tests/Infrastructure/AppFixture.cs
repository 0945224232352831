using Alba;
using JasperFx.CommandLine;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Wolverine;

namespace ContractTherapy.Tests.Infrastructure;

/// <summary>
/// One real host (Alba) on a real PostgreSQL database for the whole test collection. Tests
/// isolate their data by acting in a tenant of their own (conjoined tenancy): nothing is
/// shared, so nothing has to be reset between tests.
/// </summary>
public class AppFixture : IAsyncLifetime
{
    /// <summary>Each fixture (test collection) has a database of its own, so collections can run side by side.</summary>
    public string DatabaseName { get; } = $"contracttherapy_tests_{Guid.NewGuid():N}"[..40];

    public IAlbaHost Host { get; private set; } = null!;
    public string ConnectionString { get; private set; } = "";
    public FakeStripe Stripe { get; private set; } = null!;
    public FakeSmtp Smtp { get; private set; } = null!;
    public const string PortalBaseUrl = "https://portal.test.example";

    public async Task InitializeAsync()
    {
        var server = Environment.GetEnvironmentVariable("CT_TEST_POSTGRES")
            ?? throw new InvalidOperationException(
                "CT_TEST_POSTGRES is not set: run the tests with ops/test.sh, which starts a throwaway PostgreSQL.");
        await RecreateDatabase(server);
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = DatabaseName }.ConnectionString;

        Stripe = await FakeStripe.StartAsync();
        Smtp = await FakeSmtp.StartAsync();
        JasperFxEnvironment.AutoStartHost = true;
        Host = await StartHostAsync();
    }

    /// <summary>A host on the test database; tests that restart "the server" start a second one.</summary>
    public async Task<IAlbaHost> StartHostAsync()
    {
        return await AlbaHost.For<Program>(builder =>
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("ConnectionStrings:Postgres", ConnectionString);
            builder.UseSetting("Auth:DevTokens", "true");
            builder.UseSetting("Stripe:ApiKey", FakeStripe.ApiKey);
            builder.UseSetting("Stripe:ApiBase", Stripe.Url);
            builder.UseSetting("Stripe:TimeoutSeconds", "1");
            builder.UseSetting("Stripe:WebhookSecret", FakeStripe.WebhookSecret);
            builder.UseSetting("Mail:Smtp:Host", "127.0.0.1");
            builder.UseSetting("Mail:Smtp:Port", Smtp.Port.ToString());
            builder.UseSetting("Mail:Smtp:TimeoutSeconds", "15");
            builder.UseSetting("Mail:From", "Acme Therapy Billing <billing@acme-therapy.example>");
            builder.UseSetting("Portal:BaseUrl", PortalBaseUrl);
            builder.ConfigureServices(services =>
            {
                services.RunWolverineInSoloMode();
                services.AddSingleton<TimeProvider>(TestClock.Instance);
            });
            Configure(builder);
        });
    }

    /// <summary>What a fixture of its own adds to the host (logging, exporters).</summary>
    protected virtual void Configure(IWebHostBuilder builder)
    {
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Stripe.DisposeAsync();
        await Smtp.DisposeAsync();
    }

    public IDocumentStore Store => Host.Services.GetRequiredService<IDocumentStore>();

    private async Task RecreateDatabase(string server)
    {
        var admin = new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using (var drop = new NpgsqlCommand($"drop database if exists {DatabaseName} with (force)", connection))
            await drop.ExecuteNonQueryAsync();
        await using var create = new NpgsqlCommand($"create database {DatabaseName}", connection);
        await create.ExecuteNonQueryAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class AppCollection : ICollectionFixture<AppFixture>
{
    public const string Name = "app";
}

/// <summary>
/// For tests that stop a node: a host and database of their own, so the shared host's
/// background agents (the projection daemon) are never disturbed by a second node coming and going.
/// </summary>
public sealed class NodeFixture : AppFixture;

[CollectionDefinition(Name)]
public sealed class NodeCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "nodes";
}

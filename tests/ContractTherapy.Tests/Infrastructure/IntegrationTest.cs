using System.Text.Json;
using ContractTherapy.Audit;
using Marten;
namespace ContractTherapy.Tests.Infrastructure;

/// <summary>Base for tests through the real host: each test gets a fresh tenant of its own.</summary>
[Collection(AppCollection.Name)]
public abstract class IntegrationTest(AppFixture app)
{
    protected AppFixture App { get; } = app;

    protected Api Api { get; } = new(app.Host, $"t-{Guid.NewGuid():N}");

    /// <summary>Another tenant, to prove one tenant never sees another's data.</summary>
    protected Api OtherTenant() => new(App.Host, $"t-{Guid.NewGuid():N}");

    /// <summary>A document of this test's tenant as stored (its JSON), for tests of what is written.</summary>
    protected async Task<JsonElement> Stored(string table, Guid id)
    {
        await using var session = App.Store.QuerySession(Api.Tenant);
        var json = (await session.QueryAsync<string>($"select data::text from contracttherapy.{table} where id = ?", id)).Single();
        return JsonDocument.Parse(json).RootElement;
    }

    /// <summary>An invoice's PDF as the role reads it (200, application/pdf).</summary>
    protected async Task<byte[]> Pdf(Guid invoiceId, string role, Guid? agencyId = null)
    {
        var token = await Api.Token(role, agencyId: agencyId);
        using var client = App.Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await client.GetAsync($"/api/invoices/{invoiceId}/pdf");
        ((int)response.StatusCode).ShouldBe(200);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/pdf");
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>A statement run in the tenant's session, for tests that make data of an earlier shape.</summary>
    protected async Task Sql(string sql)
    {
        await using var session = App.Store.LightweightSession(Api.Tenant);
        session.QueueSqlCommand(sql);
        await session.SaveChangesAsync();
    }

    /// <summary>The replay's report for one projection, once the async projections caught up.</summary>
    protected async Task<ProjectionReplay> Replayed(string name)
    {
        await Api.ProjectionsCaughtUp();
        var body = (await Api.Post("/api/audit/replay", null, role: "compliance")).ShouldBe(200).Body;
        return JsonSerializer.Deserialize<ReplayReport>(body, JsonSerializerOptions.Web)!.Projections.Single(p => p.Name == name);
    }
}

using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Visits;

public sealed class LiveFeedTests(AppFixture app) : IntegrationTest(app)
{
    [Fact]
    public async Task staff_watching_the_live_feed_see_each_visit_of_their_tenant_within_a_second()
    {
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        var other = OtherTenant();
        var otherAgency = await other.RegisteredAgency();
        var otherContractor = await other.PlacedContractor(otherAgency);

        using var client = App.Host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/visits/live");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Api.Token("billing"));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        ((int)response.StatusCode).ShouldBe(200);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        (await reader.ReadLineAsync()).ShouldBe(": connected");

        // Another tenant's visit first: it must not reach this feed.
        (await other.LogVisit(Visit(otherContractor, otherAgency, DaysAgo(1)))).ShouldBe(201);
        var logged = (await Api.LogVisit(Visit(dana, agency, DaysAgo(1), patientName: "Secret Person"))).ShouldBe(201);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var data = await ReadNextVisit(reader, timeout.Token);
        data["id"]!.GetValue<string>().ShouldBe(logged.Id.ToString());
        data["contractorId"]!.GetValue<string>().ShouldBe(dana.ToString());
        data.ToJsonString().ShouldNotContain("Secret Person");
    }

    private static async Task<JsonNode> ReadNextVisit(StreamReader reader, CancellationToken ct)
    {
        string? eventName = null;
        while (true)
        {
            var line = await reader.ReadLineAsync(ct) ?? throw new InvalidOperationException("The feed closed.");
            if (line.StartsWith("event: ")) eventName = line["event: ".Length..];
            else if (line.StartsWith("data: ") && eventName == "visit") return JsonNode.Parse(line["data: ".Length..])!;
        }
    }

    [Theory]
    [InlineData("contractor")]
    [InlineData("compliance")]
    public async Task only_staff_watch_the_live_feed(string role)
    {
        (await Api.Get("/api/visits/live", role: role, contractorId: role == "contractor" ? Guid.NewGuid() : null)).ShouldBeProblem(403);
    }
}

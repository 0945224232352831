using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Alba;
using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Visits;

/// <summary>
/// The live feed across nodes: a visit logged on one host reaches a watcher on another host on
/// the same database (by the poller, not by anything in the visit's transaction), once, and a
/// visit logged on the watcher's own host is not shown a second time by the poller.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class LiveFeedAcrossNodesTests(NodeFixture app)
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task a_visit_logged_on_another_node_reaches_the_watcher_within_a_second_once()
    {
        var tenant = $"t-{Guid.NewGuid():N}";
        await using var other = await app.StartHostAsync();
        var here = new Api(app.Host, tenant);
        var there = new Api(other, tenant);
        var agency = await here.RegisteredAgency();
        var dana = await here.PlacedContractor(agency);
        var stranger = new Api(other, $"t-{Guid.NewGuid():N}");
        var strangerAgency = await stranger.RegisteredAgency();
        var strangerContractor = await stranger.PlacedContractor(strangerAgency);

        using var feed = await Watch(app.Host, here);
        // Another tenant's visit on the other node first: it must not reach this feed either.
        (await stranger.LogVisit(Visit(strangerContractor, strangerAgency, DaysAgo(1)))).ShouldBe(201);
        var logged = (await there.LogVisit(Visit(dana, agency, DaysAgo(1), patientName: "Secret Person"))).ShouldBe(201);

        var data = await feed.Next(TimeSpan.FromSeconds(1));
        data["id"]!.GetValue<string>().ShouldBe(logged.Id.ToString());
        data.ToJsonString().ShouldNotContain("Secret Person");
        (await feed.NothingMoreWithin(Quiet)).ShouldBeTrue();
    }

    [Fact]
    public async Task a_visit_logged_on_the_watchers_node_is_shown_once_not_again_by_the_poller()
    {
        var here = new Api(app.Host, $"t-{Guid.NewGuid():N}");
        var agency = await here.RegisteredAgency();
        var dana = await here.PlacedContractor(agency);

        using var feed = await Watch(app.Host, here);
        var logged = (await here.LogVisit(Visit(dana, agency, DaysAgo(1)))).ShouldBe(201);

        (await feed.Next(TimeSpan.FromSeconds(1)))["id"]!.GetValue<string>().ShouldBe(logged.Id.ToString());
        (await feed.NothingMoreWithin(Quiet)).ShouldBeTrue();
    }

    private static async Task<Feed> Watch(IAlbaHost host, Api api)
    {
        var client = host.Server.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/visits/live");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await api.Token("billing"));
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        ((int)response.StatusCode).ShouldBe(200);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        (await reader.ReadLineAsync()).ShouldBe(": connected");
        return new Feed(client, response, reader);
    }

    private sealed class Feed(HttpClient client, HttpResponseMessage response, StreamReader reader) : IDisposable
    {
        private Task<string?>? _pending;

        public async Task<JsonNode> Next(TimeSpan within)
        {
            var deadline = DateTime.UtcNow + within;
            string? eventName = null;
            while (true)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) throw new TimeoutException();
                var line = await ReadLine().WaitAsync(left) ?? throw new InvalidOperationException("The feed closed.");
                _pending = null;
                if (line.StartsWith("event: ")) eventName = line["event: ".Length..];
                else if (line.StartsWith("data: ") && eventName == "visit") return JsonNode.Parse(line["data: ".Length..])!;
            }
        }

        /// <summary>True when no further visit arrives within the time (the heartbeat is 15 s away).</summary>
        public async Task<bool> NothingMoreWithin(TimeSpan time)
        {
            try
            {
                var extra = await Next(time);
                throw new ShouldAssertException($"The feed showed another visit: {extra.ToJsonString()}");
            }
            catch (TimeoutException)
            {
                return true;
            }
        }

        // A read that timed out stays pending and is the next one awaited, so no line is lost.
        private Task<string?> ReadLine() => _pending ??= reader.ReadLineAsync();

        public void Dispose()
        {
            reader.Dispose();
            response.Dispose();
            client.Dispose();
        }
    }
}

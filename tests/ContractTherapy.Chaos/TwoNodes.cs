using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ContractTherapy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;

namespace ContractTherapy.Chaos;

/// <summary>
/// Scenario "two-nodes": two hosts on one database behind a local round-robin (YARP, with an active
/// health check on /health/ready). Visits are logged through the round-robin at full speed while SSE
/// watchers on both nodes follow the live feed; manual payments feed the async 1099 projection; a pay
/// run is approved on the node that runs the async agents, and that node is SIGKILLed while the run's
/// Stripe sends are in flight, then started again. Checked: every agent runs on one node at every
/// sample, the survivor takes the agents and the sends over within 30 s, every acknowledged visit is
/// there once, every watcher saw every visit once whichever node logged it, every payable stub has one
/// transfer at Stripe, the 1099 totals count every payment once, the audit chain is whole.
/// </summary>
public static class TwoNodes
{
    public static readonly Scenario Scenario = new("two-nodes", Run);

    private const int PgPort = 56300, ProxyPort = 56301, PortA = 56310, PortB = 56311, StripePort = 56320;
    private const string FeedTenant = "chaos-nodes", PayTenant = "chaos-nodes-pay";
    private static readonly TimeSpan TakeoverBound = TimeSpan.FromSeconds(30);

    private sealed record Logged(Guid Id, DateTime Started, DateTime Answered, string Node);

    private static async Task<ScenarioResult> Run(ChaosOptions options)
    {
        var payContractors = options.Short ? 30 : 100;
        var writers = options.Short ? 4 : 8;
        var beforeKill = TimeSpan.FromSeconds(options.Short ? 10 : 20);
        var afterKill = TimeSpan.FromSeconds(options.Short ? 35 : 45);
        var afterRejoin = TimeSpan.FromSeconds(options.Short ? 15 : 30);
        var rng = new Random(options.Seed);

        await using var lab = await Lab.StartAsync("two-nodes", PgPort);
        await using var stripe = await FakeStripe.StartAsync(StripePort);
        var settings = new Dictionary<string, string>
        {
            ["Stripe__ApiKey"] = FakeStripe.ApiKey,
            ["Stripe__ApiBase"] = stripe.Url,
            ["Stripe__WebhookSecret"] = FakeStripe.WebhookSecret,
            ["Stripe__TimeoutSeconds"] = "2",
            ["Payments__SendRetryScale"] = "0.01",
        };
        var cluster = new Cluster(lab);
        var nodeA = await cluster.StartAsync(PortA, settings, "node-a");
        var nodeB = await cluster.StartAsync(PortB, settings, "node-b");
        await using var proxy = await StartProxyAsync(ProxyPort, nodeA, nodeB);
        var proxyUrl = $"http://127.0.0.1:{ProxyPort}";

        // ---- set up through the round-robin ----
        var payApi = new Api(proxyUrl, TimeSpan.FromSeconds(20));
        var (payOwner, payAgency, payIds) = await Payouts.OnboardAsync(payApi, PayTenant, payContractors);
        var load = await VisitLoad.PrepareAsync(proxyUrl, FeedTenant, contractors: 40);
        var agents = new AgentMonitor(lab, cluster);
        await agents.StartAsync();

        // ---- watchers on both nodes ----
        var stop = new CancellationTokenSource();
        var watchers = new List<Watcher>();
        foreach (var node in new[] { nodeA, nodeB })
            for (var w = 0; w < 2; w++)
                watchers.Add(Watcher.Start($"{node.Name}/{w}", node, load.Token, stop.Token));
        foreach (var watcher in watchers) await watcher.WaitConnectedAsync();
        Log.Line("two-nodes: 4 watchers connected (2 per node); load starts");

        // ---- load through the round-robin: visits, and manual payments for the 1099 totals ----
        var logged = new ConcurrentBag<Logged>();
        var loadStop = new CancellationTokenSource();
        var visitWriters = Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            while (!loadStop.IsCancellationRequested)
            {
                var attempt = load.Next();
                var started = DateTime.UtcNow;
                var (status, id, response) = await load.SendAsync(attempt);
                if (status == 201)
                    logged.Add(new Logged(id!.Value, started, DateTime.UtcNow,
                        response!.Headers.TryGetValues("X-Chaos-Node", out var n) ? n.First() : "?"));
                else if (status is 0 or >= 500) await Task.Delay(100);
            }
        })).ToList();
        var manual = new ManualPayments(payApi, payOwner, payIds);
        var paymentWriter = Task.Run(() => manual.RunAsync(loadStop.Token));

        // Two rounds: first the node running the 1099 projection is killed, then (after it rejoined)
        // the node running the audit chain; each time during a pay run approved on that node.
        var rounds = new List<Round>();
        foreach (var (agentPart, week) in new[] { ("contractortaxyear", 0), ("auditchainsubscription", 1) })
        {
            await Task.Delay(beforeKill / 2);
            var (cycle, stubCount) = await Payouts.LogWeekAndCloseAsync(payApi, payOwner, payAgency, payIds, week, options.Seed);
            await Task.Delay(beforeKill / 2);

            var victim = await agents.NodeRunningAsync(agentPart) ?? nodeA;
            var survivor = victim == nodeA ? nodeB : nodeA;
            var victimAgents = agents.AgentsOn(victim);
            Log.Line($"two-nodes: agents {agents.Describe()}; killing {victim.Name}");
            // Each Stripe call takes 200 ms, so the sends are still in flight when the node dies.
            stripe.RandomFaults = () => new FakeStripe.StallThenCommit(TimeSpan.FromMilliseconds(200));
            var victimApi = new Api(victim.Url, TimeSpan.FromSeconds(20));
            var transfersBefore = stripe.Transfers.Count;
            await Payouts.ApproveAllAsync(victimApi, await victimApi.TokenAsync(PayTenant, "owner"), cycle, stubCount);
            await Task.Delay(TimeSpan.FromMilliseconds(rng.Next(200, 1200)));
            var transfersAtKill = stripe.Transfers.Count - transfersBefore;
            var lastEventAtKill = await lab.LastEventAsync();
            var killedAt = DateTime.UtcNow;
            victim.Kill();
            foreach (var w in watchers.Where(w => w.Node == victim && w.DiedAt is null)) w.MarkNodeDied(killedAt);
            Log.Line($"two-nodes: SIGKILL {victim.Name} ({transfersAtKill} of {stubCount} transfers made, last event {lastEventAtKill})");

            var takeover = await agents.WaitTakeoverAsync(victimAgents, survivor, killedAt, TimeSpan.FromSeconds(90));
            var resumed = await WaitShardsPastAsync(lab, lastEventAtKill, killedAt, TimeSpan.FromSeconds(90));
            await Payouts.WaitNoneRequested(payApi, payOwner, TimeSpan.FromMinutes(3));
            var sendsDone = DateTime.UtcNow - killedAt;
            stripe.RandomFaults = null;
            Log.Line($"two-nodes: agents on {survivor.Name} after {Seconds(takeover)}, shards past the kill after {Seconds(resumed)}, sends done after {sendsDone.TotalSeconds:0.0} s");
            rounds.Add(new Round(victim, survivor, victimAgents, cycle, stubCount, transfersAtKill, takeover, resumed, sendsDone));

            var rest = afterKill - (DateTime.UtcNow - killedAt);
            if (rest > TimeSpan.Zero) await Task.Delay(rest);
            await cluster.RestartAsync(victim);
            var rejoinedWatchers = Enumerable.Range(0, 2).Select(w => Watcher.Start($"{victim.Name}/{w}'", victim, load.Token, stop.Token)).ToList();
            foreach (var watcher in rejoinedWatchers) await watcher.WaitConnectedAsync();
            watchers.AddRange(rejoinedWatchers);
            Log.Line($"two-nodes: {victim.Name} back");
            await agents.WaitAssignedAsync(TimeSpan.FromSeconds(30));
            Log.Line($"two-nodes: agents {agents.Describe()}");
            await Task.Delay(afterRejoin);
        }

        loadStop.Cancel();
        await Task.WhenAll(visitWriters);
        await paymentWriter;
        await manual.ResolveAsync(TimeSpan.FromMinutes(4));
        var loadEnded = DateTime.UtcNow;
        Log.Line($"two-nodes: load done: {load.Summary()}; {manual.Recorded} manual payments");
        var retry = await load.RetryAllAsync(TimeSpan.FromMinutes(3));
        await SettleAsync(lab, TimeSpan.FromMinutes(2));
        await Task.Delay(TimeSpan.FromSeconds(2)); // the feed's last poll
        stop.Cancel();
        await agents.StopAsync();

        // ---- the checks ----
        var visits = await load.CheckAsync(lab);
        var feed = CheckFeed(watchers, logged.Where(l => l.Answered < loadEnded).ToList());
        var payments = await CheckPaymentsAsync(payApi, payOwner, stripe, rounds.Select(r => r.Cycle).ToList());
        var tax = await CheckTaxAsync(payApi, payOwner, manual, payments.SentByContractor);
        var chainFeed = await CheckChainAsync(lab, load.Api, load.Token, FeedTenant);
        var chainPay = await CheckChainAsync(lab, payApi, payOwner, PayTenant);

        var byNode = logged.GroupBy(l => l.Node).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count():N0}").ToList();
        var lost = visits.Missing + visits.HalfWritten + retry.Unresolved + retry.Refused + feed.Missing + payments.Lost + tax.Under;
        var doubled = visits.Extra + retry.OtherVisit + feed.Duplicates + payments.Doubled + tax.Over;
        var problems = new List<string>();
        if (agents.MaxNodesPerAgent > 1) problems.Add($"an agent on {agents.MaxNodesPerAgent} nodes at once");
        foreach (var r in rounds)
        {
            if (r.Takeover is null || r.Takeover > TakeoverBound) problems.Add($"{r.Survivor.Name} took the agents over after {Seconds(r.Takeover)}");
            if (r.Resumed is null || r.Resumed > TakeoverBound) problems.Add($"shards resumed after {Seconds(r.Resumed)}");
            if (r.SendsDone > TakeoverBound + TimeSpan.FromSeconds(30)) problems.Add($"sends done {r.SendsDone.TotalSeconds:0} s after the kill");
        }
        if (byNode.Count < 2) problems.Add("only one node answered through the round-robin");
        if (!chainFeed.Valid || !chainPay.Valid) problems.Add("audit chain not whole");
        if (!tax.Fresh) problems.Add("1099 totals still stale");
        if (tax.FoldDiffers > 0) problems.Add($"{tax.FoldDiffers} 1099 totals differ from the events folded at read time");
        foreach (var p in problems) Log.Line($"two-nodes: {p}");

        return new ScenarioResult("two-nodes",
            $"2 hosts behind a round-robin; {writers} visit writers, {load.Sent:N0} visits ({string.Join(", ", byNode)}), " +
            $"{manual.Recorded} manual payments ({manual.Retried} retries), {rounds.Count} pay runs of {string.Join(" + ", rounds.Select(r => r.Payments))} payments, " +
            $"{watchers.Count} SSE watchers (2 per node, 2 more after each restart)",
            string.Join("; ", rounds.Select((r, i) => $"SIGKILL {i + 1}: {r.Victim.Name} (running {string.Join(", ", r.Agents.Select(AgentMonitor.Short))}) " +
                $"during its pay run's sends ({r.TransfersAtKill} of {r.Payments} made), restarted after {afterKill.TotalSeconds:0} s")),
            $"each agent on one node at every sample ({agents.Samples:N0} samples, max {agents.MaxNodesPerAgent}); " +
            string.Join("; ", rounds.Select((r, i) => $"takeover {i + 1}: agents on {r.Survivor.Name} after {Seconds(r.Takeover)}, every shard past the kill's last event after " +
                $"{Seconds(r.Resumed)}, the pay run's sends finished {r.SendsDone.TotalSeconds:0.0} s after the kill")) +
            $"; visits: {visits.Events:N0} visit_logged = {visits.Documents:N0} documents, " +
            $"{visits.Missing} acknowledged missing, {visits.Extra} extra, retried {retry.Sent:N0} ({retry.Refused} refused, {retry.OtherVisit} another visit); " +
            $"live feed: {feed.Summary}; Stripe: {payments.Summary}; 1099: {tax.Summary}; " +
            $"audit chain valid over {chainFeed.Events + chainPay.Events:N0} events, {chainFeed.Pending + chainPay.Pending} pending" +
            (problems.Count > 0 ? $"; PROBLEMS: {string.Join("; ", problems)}" : ""),
            lost, doubled, lost == 0 && doubled == 0 && problems.Count == 0);
    }

    private sealed record Round(HostNode Victim, HostNode Survivor, List<string> Agents, Guid Cycle, int Payments, int TransfersAtKill,
        TimeSpan? Takeover, TimeSpan? Resumed, TimeSpan SendsDone);

    private static string Seconds(TimeSpan? t) => t is { } v ? $"{v.TotalSeconds:0.0} s" : "never (> 90 s)";

    // ------------------------------------------------------------------ the round-robin

    /// <summary>
    /// YARP in front of the hosts: round-robin, an active health check on /health/ready every second
    /// (a node that stops answering leaves the rotation after two failures) and a passive one (a
    /// transport failure takes it out at once for 5 s). Each answer says which node gave it (X-Chaos-Node).
    /// </summary>
    private static async Task<WebApplication> StartProxyAsync(int port, params HostNode[] hosts)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        RouteConfig[] routes = [new() { RouteId = "all", ClusterId = "nodes", Match = new RouteMatch { Path = "{**catch-all}" } }];
        ClusterConfig[] clusters =
        [
            new()
            {
                ClusterId = "nodes",
                LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin,
                HealthCheck = new HealthCheckConfig
                {
                    Active = new ActiveHealthCheckConfig
                    {
                        Enabled = true, Interval = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromSeconds(2),
                        Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures, Path = "/health/ready",
                    },
                    Passive = new PassiveHealthCheckConfig
                    {
                        Enabled = true, Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate, ReactivationPeriod = TimeSpan.FromSeconds(5),
                    },
                },
                Destinations = hosts.ToDictionary(h => h.Name, h => new DestinationConfig { Address = h.Url }),
            },
        ];
        builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters).AddTransforms(t => t.AddResponseTransform(context =>
        {
            var destination = context.HttpContext.Features.Get<IReverseProxyFeature>()?.ProxiedDestination?.DestinationId;
            if (destination is not null) context.HttpContext.Response.Headers["X-Chaos-Node"] = destination;
            return ValueTask.CompletedTask;
        }));
        var app = builder.Build();
        app.MapReverseProxy();
        await app.StartAsync();
        return app;
    }

    // ------------------------------------------------------------------ nodes and their agents

    /// <summary>The hosts and their Wolverine node ids (a restarted host is a new node).</summary>
    private sealed class Cluster(Lab lab)
    {
        private readonly ConcurrentDictionary<Guid, HostNode> _byNodeId = new();
        public string? Schema { get; private set; }

        public async Task<HostNode> StartAsync(int port, Dictionary<string, string> settings, string name)
        {
            var known = await NodeIdsAsync();
            var host = await lab.StartHostAsync(port, settings, name);
            await RegisterAsync(host, known);
            return host;
        }

        public async Task RestartAsync(HostNode host)
        {
            var known = await NodeIdsAsync();
            await host.StartAsync(TimeSpan.FromSeconds(120));
            await RegisterAsync(host, known);
        }

        public HostNode? Of(Guid nodeId) => _byNodeId.GetValueOrDefault(nodeId);

        private async Task RegisterAsync(HostNode host, HashSet<Guid> known)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline)
            {
                var fresh = (await NodeIdsAsync()).Except(known).ToList();
                if (fresh.Count == 1)
                {
                    _byNodeId[fresh[0]] = host;
                    return;
                }
                await Task.Delay(200);
            }
            throw new TimeoutException($"{host.Name}: no Wolverine node row appeared");
        }

        public async Task<HashSet<Guid>> NodeIdsAsync()
        {
            Schema ??= await FindSchemaAsync();
            if (Schema is null) return [];
            return (await lab.ColumnAsync<Guid>($"select id from {Schema}.wolverine_nodes")).ToHashSet();
        }

        private async Task<string?> FindSchemaAsync()
        {
            var schemas = await lab.ColumnAsync<string>(
                "select table_schema::text from information_schema.tables where table_name = 'wolverine_node_assignments'");
            return schemas.FirstOrDefault();
        }
    }

    /// <summary>
    /// Samples Wolverine's agent assignments every 250 ms: which node runs each agent (async
    /// projections, the audit chain subscription), and the most nodes any agent was on at once.
    /// </summary>
    private sealed class AgentMonitor(Lab lab, Cluster cluster)
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;
        private volatile Dictionary<string, HashSet<Guid>> _current = [];
        public int Samples { get; private set; }
        public int MaxNodesPerAgent { get; private set; }

        public async Task StartAsync()
        {
            // Agents are assigned within a few seconds of the start: wait for the async ones.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                await SampleAsync();
                if (_current.Keys.Count(k => k.Contains("contractortaxyear", StringComparison.OrdinalIgnoreCase)) > 0
                    && _current.Keys.Any(k => k.Contains("auditchain", StringComparison.OrdinalIgnoreCase))) break;
                await Task.Delay(250);
            }
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    try { await SampleAsync(); } catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException) { }
                    await Task.Delay(250);
                }
            });
        }

        private async Task SampleAsync()
        {
            await cluster.NodeIdsAsync();
            var schema = cluster.Schema ?? throw new InvalidOperationException("no Wolverine tables");
            await using var conn = new Npgsql.NpgsqlConnection(lab.ConnectionString);
            await conn.OpenAsync();
            await using var cmd = new Npgsql.NpgsqlCommand($"select id::text, node_id from {schema}.wolverine_node_assignments", conn);
            await using var reader = await cmd.ExecuteReaderAsync();
            var now = new Dictionary<string, HashSet<Guid>>();
            while (await reader.ReadAsync())
            {
                var agent = reader.GetString(0);
                if (!agent.StartsWith("event-subscriptions", StringComparison.OrdinalIgnoreCase)) continue;
                if (!now.TryGetValue(agent, out var nodes)) now[agent] = nodes = [];
                nodes.Add(reader.GetGuid(1));
            }
            _current = now;
            Samples++;
            if (now.Count > 0) MaxNodesPerAgent = Math.Max(MaxNodesPerAgent, now.Values.Max(n => n.Count));
        }

        /// <summary>Waits until both async agents are assigned to a live node (after a restart the leader may move them).</summary>
        public async Task WaitAssignedAsync(TimeSpan bound)
        {
            var deadline = DateTime.UtcNow + bound;
            while (DateTime.UtcNow < deadline)
            {
                var now = _current;
                if (now.Count >= 2 && now.Values.All(n => n.Count == 1 && cluster.Of(n.First()) is { Running: true })) return;
                await Task.Delay(100);
            }
        }

        public async Task<HostNode?> NodeRunningAsync(string agentPart)
        {
            await SampleAsync();
            var agent = _current.FirstOrDefault(a => a.Key.Contains(agentPart, StringComparison.OrdinalIgnoreCase));
            return agent.Value is { Count: > 0 } nodes ? cluster.Of(nodes.First()) : null;
        }

        public List<string> AgentsOn(HostNode host) =>
            _current.Where(a => a.Value.Any(n => cluster.Of(n) == host)).Select(a => a.Key).OrderBy(a => a).ToList();

        public string Describe() =>
            string.Join(", ", _current.OrderBy(a => a.Key).Select(a => $"{Short(a.Key)} on {string.Join("+", a.Value.Select(n => cluster.Of(n)?.Name ?? "?"))}"));

        public static string Short(string agent) => agent.TrimEnd('/').Split('/').Reverse().Skip(1).FirstOrDefault() is { Length: > 0 } name
            ? name : agent;

        /// <summary>Time from the kill until every agent the victim ran is assigned to the survivor.</summary>
        public async Task<TimeSpan?> WaitTakeoverAsync(IReadOnlyList<string> agents, HostNode survivor, DateTime killedAt, TimeSpan bound)
        {
            while (DateTime.UtcNow - killedAt < bound)
            {
                var now = _current;
                if (agents.All(a => now.TryGetValue(a, out var nodes) && nodes.Count == 1 && cluster.Of(nodes.First()) == survivor))
                    return DateTime.UtcNow - killedAt;
                await Task.Delay(100);
            }
            return null;
        }

        public async Task StopAsync()
        {
            _stop.Cancel();
            await _loop;
        }
    }

    /// <summary>Time from the kill until every async shard (1099 totals, audit chain) has processed past the last event before it.</summary>
    private static async Task<TimeSpan?> WaitShardsPastAsync(Lab lab, long lastEvent, DateTime killedAt, TimeSpan bound)
    {
        while (DateTime.UtcNow - killedAt < bound)
        {
            var behind = await lab.ScalarAsync<long>(
                "select count(*) from contracttherapy.mt_event_progression where name like '%:All' and last_seq_id <= $1", lastEvent);
            if (behind == 0) return DateTime.UtcNow - killedAt;
            await Task.Delay(100);
        }
        return null;
    }

    /// <summary>Waits until no durable message is pending and every shard has reached the newest event.</summary>
    private static async Task SettleAsync(Lab lab, TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        while (DateTime.UtcNow < deadline)
        {
            var newest = await lab.LastEventAsync();
            var behind = await lab.ScalarAsync<long>(
                "select count(*) from contracttherapy.mt_event_progression where (name like '%:All' or name = 'HighWaterMark') and last_seq_id < $1", newest);
            if (behind == 0) return;
            await Task.Delay(250);
        }
        Log.Line("two-nodes: shards did not reach the newest event within the bound");
    }

    // ------------------------------------------------------------------ the live feed

    private sealed class Watcher
    {
        public string Name { get; }
        public HostNode Node { get; }
        public DateTime? ConnectedAt { get; private set; }
        /// <summary>When its node was killed: visits answered after (minus the feed's poll) are not owed to it.</summary>
        public DateTime? DiedAt { get; private set; }
        public ConcurrentDictionary<Guid, List<DateTime>> Seen { get; } = new();
        private Task _running = Task.CompletedTask;

        private Watcher(string name, HostNode node) => (Name, Node) = (name, node);

        public static Watcher Start(string name, HostNode node, string token, CancellationToken stop)
        {
            var watcher = new Watcher(name, node);
            watcher._running = Task.Run(() => watcher.RunAsync(token, stop));
            return watcher;
        }

        public void MarkNodeDied(DateTime at) => DiedAt = at;

        private async Task RunAsync(string token, CancellationToken stop)
        {
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{Node.Url}/api/visits/live");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            try
            {
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop);
                response.EnsureSuccessStatusCode();
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop));
                while (await reader.ReadLineAsync(stop) is { } line)
                {
                    if (line.StartsWith(": connected")) ConnectedAt = DateTime.UtcNow;
                    else if (line.StartsWith("id: ") && Guid.TryParse(line[4..], out var id))
                    {
                        var at = DateTime.UtcNow;
                        Seen.AddOrUpdate(id, _ => [at], (_, list) => { lock (list) list.Add(at); return list; });
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException) { }
        }

        public async Task WaitConnectedAsync()
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (ConnectedAt is null)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"watcher {Name} not connected");
                await Task.Delay(50);
            }
        }
    }

    private sealed record FeedCheck(int Missing, int Duplicates, string Summary);

    /// <summary>
    /// Each watcher owes every visit whose request started after it was connected (the feed promises
    /// every visit committed from then on) and, on a node that was killed, answered at least a second
    /// before the kill (the other node's visits reach it by a 200 ms poll). Missing and duplicates are
    /// counted per watcher; the delay is from the visit's 201 to its arrival.
    /// </summary>
    private static FeedCheck CheckFeed(List<Watcher> watchers, List<Logged> logged)
    {
        int missing = 0, duplicates = 0, owed = 0, crossNode = 0;
        var delays = new List<double>();
        foreach (var watcher in watchers)
        {
            var connected = watcher.ConnectedAt ?? DateTime.MaxValue;
            foreach (var visit in logged.Where(v => v.Started > connected && (watcher.DiedAt is null || v.Answered < watcher.DiedAt.Value.AddSeconds(-1))))
            {
                owed++;
                if (!watcher.Seen.TryGetValue(visit.Id, out var arrivals)) { missing++; continue; }
                if (arrivals.Count > 1) duplicates += arrivals.Count - 1;
                if (visit.Node != watcher.Node.Name) crossNode++;
                delays.Add(Math.Max(0, (arrivals[0] - visit.Answered).TotalMilliseconds));
            }
        }
        delays.Sort();
        double Pct(double p) => delays.Count == 0 ? 0 : delays[(int)Math.Min(delays.Count - 1, Math.Ceiling(p * delays.Count) - 1)];
        var over1s = delays.Count(d => d > 1000);
        return new FeedCheck(missing, duplicates,
            $"{owed:N0} deliveries owed to {watchers.Count} watchers ({crossNode:N0} of a visit logged on the other node), {missing} missing, {duplicates} duplicate, " +
            $"delay p50 {Pct(0.5):0} ms, p99 {Pct(0.99):0} ms, max {(delays.Count > 0 ? delays[^1] : 0):0} ms ({over1s} over 1 s)");
    }

    // ------------------------------------------------------------------ payments and 1099

    /// <summary>
    /// Manual payments (check or ACH, so they count on the 1099-NEC) through the round-robin, each with
    /// its key. One without a final answer (no answer, a 5xx, or a 409 "in progress": the reservation of
    /// a request its node died in) is put aside and retried with its key at the end, honouring
    /// Retry-After, as a client would; it counts once it is answered 201.
    /// </summary>
    private sealed class ManualPayments(Api api, string owner, Guid[] contractors)
    {
        private sealed record Pending(string Key, Guid Contractor, decimal Amount, object Body);

        public ConcurrentDictionary<Guid, decimal> ByContractor { get; } = new();
        private readonly ConcurrentQueue<Pending> _uncertain = new();
        private int _recorded, _n, _retried;
        public int Recorded => _recorded;
        public int Retried => _retried;

        public async Task RunAsync(CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref _n);
                var contractor = contractors[n % contractors.Length];
                var amount = 10m + n % 90 + 0.01m * (n % 100);
                var body = new { contractorId = contractor, amount, paidOn = "2026-11-02", method = n % 2 == 0 ? "check" : "ach", reference = $"chk-{n}" };
                var pending = new Pending($"manual-{n}", contractor, amount, body);
                if (await TryAsync(pending) is null) _uncertain.Enqueue(pending);
                await Task.Delay(100, CancellationToken.None);
            }
        }

        /// <summary>Retries every payment without a final answer until it has one.</summary>
        public async Task ResolveAsync(TimeSpan bound)
        {
            var deadline = DateTime.UtcNow + bound;
            while (!_uncertain.IsEmpty)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"{_uncertain.Count} manual payments without a final answer");
                var round = new List<Pending>();
                while (_uncertain.TryDequeue(out var p)) round.Add(p);
                foreach (var p in round)
                {
                    Interlocked.Increment(ref _retried);
                    if (await TryAsync(p) is null) _uncertain.Enqueue(p);
                }
                if (!_uncertain.IsEmpty) await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }

        /// <summary>true: recorded (201); null: no final answer yet; a refusal is a defect of the run.</summary>
        private async Task<bool?> TryAsync(Pending p)
        {
            try
            {
                var (status, json, _) = await api.SendAsync(HttpMethod.Post, "/api/payments/manual", owner, p.Body, p.Key);
                if (status == 201)
                {
                    ByContractor.AddOrUpdate(p.Contractor, p.Amount, (_, total) => total + p.Amount);
                    Interlocked.Increment(ref _recorded);
                    return true;
                }
                if (status == 409 && json?["type"]?.GetValue<string>()?.EndsWith("in-progress") == true || status >= 500) return null;
                throw new InvalidOperationException($"manual payment {p.Key} answered {status}: {json?.ToJsonString()}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                return null;
            }
        }
    }

    private sealed record PaymentCheck(int Lost, int Doubled, Dictionary<Guid, decimal> SentByContractor, string Summary);

    /// <summary>From the fake Stripe's ledger: each payable stub of the pay run paid exactly once, for its amount; nothing requested.</summary>
    private static async Task<PaymentCheck> CheckPaymentsAsync(Api api, string owner, FakeStripe stripe, List<Guid> cycles)
    {
        var pages = new List<JsonNode>();
        foreach (var cycle in cycles) pages.AddRange(await api.AllPagesAsync(owner, $"/api/paystubs?cycleId={cycle}"));
        var stubs = pages
            .Select(s => (Id: s["id"]!.GetValue<string>(), Contractor: Guid.Parse(s["contractorId"]!.GetValue<string>()), Total: s["total"]!.GetValue<decimal>()))
            .Where(s => s.Total > 0).ToList();
        var transfers = stripe.Transfers.GroupBy(t => t.Metadata.GetValueOrDefault("pay_stub_id") ?? "").ToDictionary(g => g.Key, g => g.ToList());
        int lost = 0, doubled = 0, wrongAmount = 0;
        var sent = new Dictionary<Guid, decimal>();
        foreach (var stub in stubs)
        {
            var made = transfers.GetValueOrDefault(stub.Id) ?? [];
            if (made.Count == 0) { lost++; Log.Line($"two-nodes: stub {stub.Id} has no transfer"); continue; }
            if (made.Count > 1) { doubled += made.Count - 1; Log.Line($"two-nodes: stub {stub.Id} has {made.Count} transfers"); }
            if (made[0].Amount != (long)Math.Round(stub.Total * 100m)) wrongAmount++;
            sent[stub.Contractor] = sent.GetValueOrDefault(stub.Contractor) + stub.Total;
        }
        var strays = stripe.Transfers.Count(t => !stubs.Any(s => s.Id == t.Metadata.GetValueOrDefault("pay_stub_id")));
        doubled += strays;
        var requested = (await api.MustAsync(HttpMethod.Get, "/api/payments?status=requested&pageSize=1", owner))!["total"]!.GetValue<int>();
        lost += requested + wrongAmount;
        return new PaymentCheck(lost, doubled, sent,
            $"{stripe.Transfers.Count:N0} transfers for {stubs.Count:N0} payable stubs, {strays} stray, {wrongAmount} wrong amount, {requested} still requested");
    }

    private sealed record TaxCheck(int Under, int Over, int FoldDiffers, bool Fresh, string Summary);

    /// <summary>
    /// The 1099-NEC totals (the async projection, run by whichever node holds its agent) against what
    /// was paid (manual payments answered 201, the pay run's transfers) and against the events folded
    /// at read time (asOf): a payment counted twice or missed shows in either.
    /// </summary>
    private static async Task<TaxCheck> CheckTaxAsync(Api api, string owner, ManualPayments manual, Dictionary<Guid, decimal> sent)
    {
        var projected = await api.MustAsync(HttpMethod.Get, "/api/tax/1099-nec/2026", owner);
        var folded = await api.MustAsync(HttpMethod.Get, $"/api/tax/1099-nec/2026?asOf={Uri.EscapeDataString(DateTimeOffset.UtcNow.ToString("O"))}", owner);
        static Dictionary<Guid, decimal> Totals(JsonNode? year) => year!["contractors"]!.AsArray()
            .ToDictionary(c => Guid.Parse(c!["contractorId"]!.GetValue<string>()), c => c!["total"]!.GetValue<decimal>());
        var p = Totals(projected);
        var f = Totals(folded);
        var expected = manual.ByContractor.Keys.Concat(sent.Keys).Distinct()
            .ToDictionary(c => c, c => manual.ByContractor.GetValueOrDefault(c) + sent.GetValueOrDefault(c));
        int under = 0, over = 0, foldDiffers = 0;
        foreach (var (contractor, total) in expected)
        {
            var got = p.GetValueOrDefault(contractor);
            if (got < total) { under++; Log.Line($"two-nodes: 1099 of {contractor}: {got} < {total} paid"); }
            if (got > total) { over++; Log.Line($"two-nodes: 1099 of {contractor}: {got} > {total} paid"); }
            if (f.GetValueOrDefault(contractor) != got) foldDiffers++;
        }
        over += p.Keys.Count(c => !expected.ContainsKey(c));
        var stale = projected!["stale"]?.GetValue<bool>() ?? false;
        return new TaxCheck(under, over, foldDiffers, !stale,
            $"{expected.Count} contractors: {expected.Count - under - over} totals = what was paid ({expected.Values.Sum():N2}), {under} under, {over} over, {foldDiffers} differ from the folded events{(stale ? ", stale" : "")}");
    }

    private sealed record ChainCheck(bool Valid, long Events, long Pending);

    /// <summary>GET /api/audit/verify: the tenant's chain valid, nothing pending, one link per event.</summary>
    private static async Task<ChainCheck> CheckChainAsync(Lab lab, Api api, string owner, string tenant)
    {
        var verify = await api.MustAsync(HttpMethod.Get, "/api/audit/verify", owner);
        var events = await lab.ScalarAsync<long>("select count(*) from contracttherapy.mt_events where tenant_id = $1", tenant);
        var links = await lab.ScalarAsync<long>("select count(*) from contracttherapy.mt_doc_chainlink where tenant_id = $1", tenant);
        var valid = verify!["valid"]!.GetValue<bool>() && verify["eventsVerified"]!.GetValue<long>() == events && links == events;
        if (!valid) Log.Line($"two-nodes: chain of {tenant}: {verify.ToJsonString()}, {events} events, {links} links");
        return new ChainCheck(valid, events, verify["pendingEvents"]!.GetValue<long>());
    }
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using ContractTherapy.Contractors.Contractors;
using ContractTherapy.Invoicing.Billing;
using ContractTherapy.Invoicing.Cycles;
using ContractTherapy.Invoicing.Invoices;
using ContractTherapy.Payments.Payables;
using ContractTherapy.Payments.Payees;
using ContractTherapy.Payments.Payments;
using ContractTherapy.Payments.TaxReporting;
using ContractTherapy.Payroll.Earnings;
using ContractTherapy.Payroll.PayRuns;
using ContractTherapy.Rates.Agencies;
using ContractTherapy.Rates.PaySheets;
using ContractTherapy.Shared.Tenancy;
using ContractTherapy.Visits.Eligibility;
using ContractTherapy.Visits.Visits;
using JasperFx;
using Marten;
using Npgsql;

namespace ContractTherapy.Audit;

/// <summary>A document that differs: missing on one side, or different in the listed JSON paths (live value, replayed value).</summary>
public sealed record ProjectionDifference(string Tenant, string Id, string Kind, IReadOnlyList<string>? Fields = null);

public sealed record ProjectionReplay(string Name, int Documents, bool Identical, IReadOnlyList<ProjectionDifference> Differences);

/// <summary>
/// <see cref="HighWaterMark"/>: the last event replayed; events recorded after it (the system kept taking
/// writes) are counted in <see cref="EventsAfterHighWaterMark"/>, and documents they changed may differ.
/// </summary>
public sealed record ReplayReport(long HighWaterMark, long Events, long EventsAfterHighWaterMark, long ElapsedMilliseconds,
    IReadOnlyList<ProjectionReplay> Projections);

/// <summary>
/// Replay and verify: every event up to now is appended again, in order, to a scratch store in
/// a schema of its own, configured exactly like the live one, so its inline projections build
/// every document afresh; each is then compared with the live one. Live data is only read; the
/// scratch schema is dropped at the end.
/// </summary>
public sealed class ReplayService(IDocumentStore live, StoreBlueprint blueprint)
{
    private const int Page = 1000;

    public async Task<ReplayReport> RunAsync(CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var connectionString = blueprint.ConnectionString;
        var schema = $"ct_replay_{Guid.NewGuid():N}"[..24];
        var scratch = DocumentStore.For(opts =>
        {
            blueprint.Configure(opts, schema);
            opts.Events.UseMandatoryStreamTypeDeclaration = false;
            // Events are appended without fetching their streams; Rich mode gives the inline projections each event's stream version.
            opts.Events.AppendMode = JasperFx.Events.EventAppendMode.Rich;
            opts.AutoCreateSchemaObjects = AutoCreate.All;
        });
        try
        {
            await scratch.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            var (highWater, tenants) = await Snapshot(ct);
            long events = 0;
            foreach (var tenant in tenants) events += await Copy(tenant, highWater, scratch, ct);
            // The async projections (1099 totals) are rebuilt in the scratch store by a daemon of its own.
            using (var daemon = await scratch.BuildProjectionDaemonAsync())
                await daemon.RebuildProjectionAsync<ContractorTaxYearProjection>(TimeSpan.FromMinutes(10), ct);

            var projections = new List<ProjectionReplay>();
            async Task Compare<T>(string name) where T : notnull => projections.Add(await CompareAsync<T>(name, tenants, scratch, ct));
            await Compare<Agency>("Agency");
            await Compare<PaySheet>("PaySheet");
            await Compare<Contractor>("Contractor");
            await Compare<TenantSettings>("TenantSettings");
            await Compare<Visit>("Visit");
            await Compare<ContractorEligibility>("ContractorEligibility");
            await Compare<BillingCycle>("BillingCycle");
            await Compare<Invoice>("Invoice");
            await Compare<AgencyTerms>("AgencyTerms");
            await Compare<ContractorPayBook>("ContractorPayBook");
            await Compare<BillableVisit>("BillableVisit");
            await Compare<PayRun>("PayRun");
            await Compare<PayStub>("PayStub");
            await Compare<ContractorEarnings>("ContractorEarnings");
            await Compare<Payment>("Payment");
            await Compare<ContractorPayee>("ContractorPayee");
            await Compare<PayableStub>("PayableStub");
            await Compare<ContractorTaxYear>("ContractorTaxYear");

            var (latest, _) = await Snapshot(ct);
            return new ReplayReport(highWater, events, latest - highWater, watch.ElapsedMilliseconds, projections);
        }
        finally
        {
            scratch.Dispose();
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(CancellationToken.None);
            await using var drop = new NpgsqlCommand($"drop schema if exists {schema} cascade", connection);
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private async Task<(long HighWater, IReadOnlyList<string> Tenants)> Snapshot(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(blueprint.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"select coalesce(max(seq_id), 0), coalesce(array_agg(distinct tenant_id), '{{}}') from {blueprint.Schema}.mt_events", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetFieldValue<string[]>(1));
    }

    private async Task<long> Copy(string tenant, long highWater, IDocumentStore scratch, CancellationToken ct)
    {
        await using var source = live.QuerySession(tenant);
        long after = 0, copied = 0;
        while (true)
        {
            var page = await source.Events.QueryAllRawEvents()
                .Where(e => e.Sequence > after && e.Sequence <= highWater)
                .OrderBy(e => e.Sequence).Take(Page).ToListAsync(ct);
            if (page.Count == 0) return copied;
            // A session groups appended events by stream; committing before a stream repeats keeps the original order.
            var chunk = new HashSet<Guid>();
            var target = scratch.LightweightSession(tenant);
            foreach (var e in page)
            {
                if (!chunk.Add(e.StreamId))
                {
                    await target.SaveChangesAsync(ct);
                    await target.DisposeAsync();
                    target = scratch.LightweightSession(tenant);
                    chunk.Clear();
                    chunk.Add(e.StreamId);
                }
                target.Events.Append(e.StreamId, e.Data);
            }
            await target.SaveChangesAsync(ct);
            await target.DisposeAsync();
            copied += page.Count;
            after = page[^1].Sequence;
        }
    }

    private async Task<ProjectionReplay> CompareAsync<T>(string name, IReadOnlyList<string> tenants, IDocumentStore scratch, CancellationToken ct)
        where T : notnull
    {
        var differences = new List<ProjectionDifference>();
        var documents = 0;
        foreach (var tenant in tenants)
        {
            await using var liveSession = live.QuerySession(tenant);
            await using var scratchSession = scratch.QuerySession(tenant);
            var liveDocs = Index(await liveSession.Query<T>().ToListAsync(ct), live);
            var replayed = Index(await scratchSession.Query<T>().ToListAsync(ct), scratch);
            documents += liveDocs.Count;
            foreach (var (id, json) in liveDocs)
            {
                if (!replayed.TryGetValue(id, out var other)) differences.Add(new ProjectionDifference(tenant, id, "missing-in-replay"));
                else if (!JsonNode.DeepEquals(JsonNode.Parse(json), JsonNode.Parse(other)))
                    differences.Add(new ProjectionDifference(tenant, id, "different", Diff(JsonNode.Parse(json), JsonNode.Parse(other), "$")));
            }
            foreach (var id in replayed.Keys.Where(id => !liveDocs.ContainsKey(id)))
                differences.Add(new ProjectionDifference(tenant, id, "missing-live"));
        }
        return new ProjectionReplay(name, documents, differences.Count == 0, differences);
    }

    private static List<string> Diff(JsonNode? live, JsonNode? replayed, string path)
    {
        if (JsonNode.DeepEquals(live, replayed)) return [];
        if (live is JsonObject a && replayed is JsonObject b)
            return a.Select(p => p.Key).Union(b.Select(p => p.Key)).SelectMany(k => Diff(a[k], b[k], $"{path}.{k}")).Take(10).ToList();
        if (live is JsonArray x && replayed is JsonArray y && x.Count == y.Count)
            return x.Select((item, i) => Diff(item, y[i], $"{path}[{i}]")).SelectMany(d => d).Take(10).ToList();
        return [$"{path}: {live?.ToJsonString() ?? "null"} (live) vs {replayed?.ToJsonString() ?? "null"} (replayed)"];
    }

    private static Dictionary<string, string> Index<T>(IEnumerable<T> docs, IDocumentStore store) where T : notnull =>
        docs.Select(d => store.Options.Serializer().ToJson(d))
            .ToDictionary(json => JsonNode.Parse(json)!["id"]!.ToString(), json => json);
}

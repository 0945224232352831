using System.Reflection;
using System.Text.Json;
using ContractTherapy.Audit;
using ContractTherapy.Tests.Infrastructure;
using ContractTherapy.Visits.Visits;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Audit;

/// <summary>
/// The replay reads the events with a loader of its own (Marten's daemon loader's query without the join to the
/// streams): it must give exactly the events Marten's loader gives, in the same pages, every field of every event
/// equal (data, headers, metadata, tenant, archived, ...), except the stream's type that only the join gives.
/// </summary>
public sealed class ReplayLoaderTests(AppFixture app) : IntegrationTest(app)
{
    /// <summary>Pages of a few events, so that their ceilings are compared too; over the newest events only (every test's events are in the store).</summary>
    private const int PageSize = 7;

    private const int Newest = 300;

    [Fact]
    public async Task the_replays_own_loader_gives_every_event_of_martens_loader_field_by_field_but_the_stream_type()
    {
        // Events with every kind of metadata: an agency, a contractor placed, a visit logged and corrected (headers,
        // correlation, user), and whatever other tests left among the newest events (every tenant's are read).
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        var visit = (await Api.LogVisit(Visit(dana, agency, "2026-03-04", patientName: "Pat Secret", mrn: "PS-9"))).Id;
        (await Api.Put($"/api/visits/{visit}", new { visitType = "Evaluation", reason = "Was the evaluation" }, role: "billing")).ShouldBe(200);
        await Api.ProjectionsCaughtUp();

        var blueprint = App.Host.Services.GetRequiredService<StoreBlueprint>();
        using var store = DocumentStore.For(opts =>
        {
            blueprint.Configure(opts, blueprint.Schema);
            opts.AutoCreateSchemaObjects = AutoCreate.None;
        });
        var replayers = store.Options.Projections.All.Select(p => ProjectionReplayers.For(p, store, blueprint.Schema, 1)).ToList();
        try
        {
            // No projection of ours filters on its stream type: the replay reads with its own loader.
            new ReplayService(blueprint).Loader(store, replayers, PageSize).ShouldBeOfType<EventsWithoutStreams>();

            var visitsOnly = new EventFilterable();
            visitsOnly.IncludeType<VisitLogged>();
            visitsOnly.IncludeType<VisitCorrected>();
            var highWater = await HighWater();
            foreach (var (name, filter) in new[]
                     {
                         ("the replay's filter", ReplayService.Filter(replayers)), ("every event", new EventFilterable()),
                         ("every event, archived too", new EventFilterable { IncludeArchivedEvents = true }), ("visits only", visitsOnly),
                     })
            {
                var martens = await Pages(((IEventStore<IDocumentOperations, IQuerySession>)store).BuildEventLoader(
                    (IEventDatabase)store.Storage.Database, NullLogger.Instance, filter, new AsyncOptions { BatchSize = PageSize }), store, highWater);
                var ours = await Pages(new EventsWithoutStreams(store, filter, PageSize, blueprint.ConnectionString), store, highWater);

                ours.Select(p => (p.Floor, p.Ceiling, p.Count)).ShouldBe(martens.Select(p => (p.Floor, p.Ceiling, p.Count)), name);
                var (expected, actual) = (martens.SelectMany(p => p).ToList(), ours.SelectMany(p => p).ToList());
                expected.Count.ShouldBeGreaterThanOrEqualTo(name == "visits only" ? 2 : 5, name);
                for (var i = 0; i < expected.Count; i++) ShouldBeSame(store, expected[i], actual[i], name);
                if (name == "visits only") expected.ShouldAllBe(e => e.Data is VisitLogged || e.Data is VisitCorrected);
                else
                {
                    // The comparison is not vacuous: the fields it compares are filled in.
                    expected.ShouldContain(e => e.Headers != null && e.Headers.Count > 0, name);
                    expected.ShouldContain(e => e.CorrelationId != null && e.UserName != null, name);
                    expected.ShouldContain(e => e.Data is VisitCorrected && e.StreamId == visit && e.TenantId == Api.Tenant, name);
                }
            }
        }
        finally
        {
            foreach (var replayer in replayers) await replayer.DisposeAsync();
        }
    }

    /// <summary>Every public property of the event (of its concrete type, so a field added later is compared too).</summary>
    private static void ShouldBeSame(DocumentStore store, IEvent expected, IEvent actual, string filter)
    {
        var at = $"{filter}, event {expected.Sequence}";
        actual.GetType().ShouldBe(expected.GetType(), at);
        // Only the join to the streams gives it; only a projection filtering on its stream type reads it.
        expected.AggregateTypeName.ShouldNotBeNullOrEmpty(at);
        actual.AggregateTypeName.ShouldBeNull(at);
        var serializer = store.Options.Serializer();
        foreach (var property in expected.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.Name == nameof(IEvent.AggregateTypeName)) continue;
            var (a, b) = (property.GetValue(expected), property.GetValue(actual));
            if (a is Type || b is Type) b.ShouldBe(a, $"{at}: {property.Name}");
            else if (property.Name == nameof(IEvent.Data)) serializer.ToJson(b).ShouldBe(serializer.ToJson(a), $"{at}: {property.Name}");
            else JsonSerializer.Serialize(b).ShouldBe(JsonSerializer.Serialize(a), $"{at}: {property.Name}");
        }
    }

    private static async Task<List<EventPage>> Pages(IEventLoader loader, DocumentStore store, long highWater)
    {
        var pages = new List<EventPage>();
        for (var floor = Math.Max(0, highWater - Newest); floor < highWater;)
        {
            var page = await loader.LoadAsync(new EventRequest
            {
                Floor = floor, HighWater = highWater, BatchSize = PageSize, ErrorOptions = store.Options.Projections.RebuildErrors,
                Name = new ShardName("ReplayLoaderTest"), Metrics = ReplayService.NoMetrics.Instance,
            }, CancellationToken.None);
            pages.Add(page);
            floor = page.Ceiling;
        }
        return pages;
    }

    private async Task<long> HighWater()
    {
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select max(seq_id) from contracttherapy.mt_events", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

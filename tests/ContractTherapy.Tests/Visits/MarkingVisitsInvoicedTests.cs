using ContractTherapy.Tests.Infrastructure;
using ContractTherapy.Visits.InvoicingVisits;
using VisitDoc = ContractTherapy.Visits.Visits.Visit;
using VisitInvoiced = ContractTherapy.Visits.Visits.VisitInvoiced;
using VisitStatus = ContractTherapy.Visits.Visits.VisitStatus;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Visits;

/// <summary>The close's message to Visits fetches its visits in batches (one round trip per batch, not per visit).</summary>
public sealed class MarkingVisitsInvoicedTests(AppFixture app) : IntegrationTest(app)
{
    [Fact]
    public async Task every_visit_across_batches_is_marked_once_with_its_version_exact()
    {
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        var visits = new List<Guid>();
        for (var i = 0; i < 5; i++) visits.Add((await Api.LogVisit(Visit(dana, agency, DaysAgo(3 + i)))).ShouldBe(201).Id);
        var signed = visits[1];
        await Api.Post($"/api/visits/{signed}/sign-note", null, role: "contractor", contractorId: dana);
        var versionsBefore = await Versions(visits);
        var cycle = Guid.NewGuid();
        var message = new VisitsInvoiced(cycle, [.. visits, Guid.NewGuid()]); // an unknown id is skipped

        // batches of 2: three batch queries, the last one partly full
        await Mark(message, batchSize: 2);
        await using (var session = App.Store.QuerySession(Api.Tenant))
            foreach (var id in visits)
            {
                var visit = (await session.LoadAsync<VisitDoc>(id))!;
                visit.Status.ShouldBe(VisitStatus.Invoiced);
                visit.CycleId.ShouldBe(cycle);
                visit.Version.ShouldBe(versionsBefore[id] + 1);
                (await session.Events.FetchStreamAsync(id)).Count(e => e.Data is VisitInvoiced).ShouldBe(1);
            }

        // redelivered: nothing more is appended
        await Mark(message, batchSize: 2);
        (await Versions(visits)).ShouldBe(new SortedDictionary<Guid, long>(visits.ToDictionary(id => id, id => versionsBefore[id] + 1)));
    }

    private async Task Mark(VisitsInvoiced message, int batchSize)
    {
        await using var session = App.Store.LightweightSession(Api.Tenant);
        await MarkVisitsInvoicedHandler.MarkAsync(message, session, batchSize, CancellationToken.None);
        await session.SaveChangesAsync();
    }

    /// <summary>By id: the rows come in the table's order, which an update may change, and the comparison is in order.</summary>
    private async Task<SortedDictionary<Guid, long>> Versions(IEnumerable<Guid> ids)
    {
        await using var session = App.Store.QuerySession(Api.Tenant);
        return new((await session.LoadManyAsync<VisitDoc>(ids)).ToDictionary(v => v.Id, v => v.Version));
    }
}

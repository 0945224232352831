using ContractTherapy.Tests.Infrastructure;
using ContractTherapy.Visits.LoggingVisits;
using Marten;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Visits;

/// <summary>
/// The group commit decides a batch on the contractors' eligibility and the tenant's settings as this node last read them
/// (RulesSeen), and its write asserts that they are unchanged: a change made since (here, through this node; on another
/// node the same) fails the write, and the batch is decided again on a fresh read. The duplicate guard is the
/// fingerprint's key at insert.
/// </summary>
public sealed class RulesSeenTests(AppFixture app) : IntegrationTest(app)
{
    [Fact]
    public async Task a_contractor_deactivated_after_the_node_read_them_is_refused()
    {
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(1), mrn: "MRN-S1"))).ShouldBe(201); // the node has read dana's eligibility
        (await Api.Post($"/api/contractors/{dana}/deactivate", new { reason = "Left the agency" }, role: "payroll")).ShouldBe(200);

        (await Api.LogVisit(Visit(dana, agency, DaysAgo(1), mrn: "MRN-S2"))).ShouldBeProblem(422).Json["rule"]!.GetValue<string>().ShouldBe("contractor-active");
    }

    [Fact]
    public async Task a_placement_made_after_the_node_read_them_is_honoured()
    {
        var first = await Api.RegisteredAgency();
        var second = await Api.RegisteredAgency("Second Home Health");
        var dana = await Api.PlacedContractor(first);
        (await Api.LogVisit(Visit(dana, first, DaysAgo(1), mrn: "MRN-S3"))).ShouldBe(201); // read: placed with the first only
        (await Api.Post($"/api/contractors/{dana}/agencies/{second}", role: "payroll")).ShouldBe(200);

        (await Api.LogVisit(Visit(dana, second, DaysAgo(1), mrn: "MRN-S4"))).ShouldBe(201);
    }

    [Fact]
    public async Task a_time_zone_changed_after_the_node_read_the_settings_is_honoured()
    {
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        var date = TestClock.TodayIn("Etc/GMT-14").ToString("yyyy-MM-dd"); // today where the day starts first
        await Api.SetTimeZone("Etc/GMT-14");
        (await Api.LogVisit(Visit(dana, agency, date, mrn: "MRN-Z1"))).ShouldBe(201); // the node has read the settings
        await Api.SetTimeZone("Etc/GMT+12"); // where that date has not begun yet

        (await Api.LogVisit(Visit(dana, agency, date, mrn: "MRN-Z2"))).ShouldBeProblem(422).Json["rule"]!.GetValue<string>().ShouldBe("visit-date-not-in-future");
    }

    [Fact]
    public async Task a_duplicate_of_a_committed_visit_is_found_by_its_key_at_insert()
    {
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        var first = (await Api.LogVisit(Visit(dana, agency, DaysAgo(2), mrn: "MRN-S5"))).ShouldBe(201).Json["id"]!.GetValue<Guid>();

        var again = (await Api.LogVisit(Visit(dana, agency, DaysAgo(2), mrn: "MRN-S5"))).ShouldBeProblem(409);
        again.Json["existingVisitId"]!.GetValue<Guid>().ShouldBe(first);
        (await Api.Get("/api/visits?pageSize=10")).ShouldBe(200).Json["total"]!.GetValue<int>().ShouldBe(1);
    }

    [Fact]
    public async Task the_write_asserts_the_facts_its_batch_was_decided_on_not_those_remembered_since()
    {
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        var rules = new RulesSeen();
        await using (var first = App.Store.LightweightSession(Api.Tenant))
        {
            await first.BeginTransactionAsync(default);
            await rules.Read(first, [dana], default);
        }
        var decidedOn = rules.TryGet(Api.Tenant, [dana]).ShouldNotBeNull();
        decidedOn.Eligibility(dana).ShouldNotBeNull().Active.ShouldBeTrue();
        (await Api.Post($"/api/contractors/{dana}/deactivate", new { reason = "Left the agency" }, role: "payroll")).ShouldBe(200);
        // The other writer reads the change between this batch's decision and its write: the node now remembers it.
        await using (var other = App.Store.LightweightSession(Api.Tenant))
        {
            await other.BeginTransactionAsync(default);
            await rules.Read(other, [dana], default);
        }
        var current = rules.TryGet(Api.Tenant, [dana]).ShouldNotBeNull();
        current.Eligibility(dana).ShouldNotBeNull().Active.ShouldBeFalse();

        // The batch decided on the older facts: its write fails, though the node's memory is current by now.
        await using (var write = App.Store.LightweightSession(Api.Tenant))
        {
            VisitWriteGuard.Queue(write, decidedOn, [], []);
            VisitWriteGuard.IsStale(await Should.ThrowAsync<Exception>(() => write.SaveChangesAsync())).ShouldBeTrue();
        }
        // A batch decided on the current facts writes.
        await using (var write = App.Store.LightweightSession(Api.Tenant))
        {
            VisitWriteGuard.Queue(write, current, [], []);
            await write.SaveChangesAsync();
        }
    }

    [Fact]
    public async Task a_contractor_never_found_is_not_remembered()
    {
        var rules = new RulesSeen();
        var unknown = Guid.NewGuid();
        await using var session = App.Store.LightweightSession(Api.Tenant);
        await session.BeginTransactionAsync(default);

        (await rules.Read(session, [unknown], default)).Eligibility(unknown).ShouldBeNull();

        // Nothing kept for an id that names no contractor (any caller could send many): the next batch reads it afresh.
        rules.TryGet(Api.Tenant, [unknown]).ShouldBeNull();
        rules.TryGet(Api.Tenant, []).ShouldNotBeNull();
    }

    [Fact]
    public async Task a_write_whose_guard_function_is_missing_makes_it_again_and_writes()
    {
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(1), mrn: "MRN-F1"))).ShouldBe(201);
        // A schema made by a build without the function (another node's older build): the guard fails with 42883.
        await Sql($"drop function {App.Store.Options.DatabaseSchemaName}.{VisitWriteGuard.Function}(boolean, boolean)");
        try
        {
            (await Api.LogVisit(Visit(dana, agency, DaysAgo(1), mrn: "MRN-F2"))).ShouldBe(201);
            (await Scalar($"select count(*) from pg_proc where proname = '{VisitWriteGuard.Function}'")).ShouldBe(1L);
        }
        finally
        {
            await App.Store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        }
        (await Api.Get("/api/visits?pageSize=10")).ShouldBe(200).Json["total"]!.GetValue<int>().ShouldBe(2);
    }

    [Fact]
    public async Task a_duplicate_refused_at_the_guard_spends_no_event_sequence_number()
    {
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(2), mrn: "MRN-G1"))).ShouldBe(201);
        var schema = App.Store.Options.Events.DatabaseSchemaName;
        var before = await Scalar($"select last_value from {schema}.mt_events_sequence");

        (await Api.LogVisit(Visit(dana, agency, DaysAgo(2), mrn: "MRN-G1"))).ShouldBeProblem(409);
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(2), mrn: "MRN-G2"))).ShouldBe(201);

        // The 409's write failed at its guard, before its event drew a number: every number drawn since is an event that
        // landed (a failed append's number is filled by Marten with a tombstone, written on another connection). Other
        // appends of the shared database may be in flight: asked again until they land.
        var spent = -1L;
        for (var attempt = 0; attempt < 20 && spent != 0; attempt++)
        {
            if (attempt > 0) await Task.Delay(100);
            spent = await Scalar($"select s.last_value - {before} - (select count(*) from {schema}.mt_events e where e.seq_id > {before} " +
                                 $"and e.seq_id <= s.last_value and e.type <> 'tombstone') from {schema}.mt_events_sequence s");
        }
        spent.ShouldBe(0);
    }

    private async Task<long> Scalar(string sql)
    {
        await using var session = App.Store.QuerySession();
        return (await session.QueryAsync<long>(sql)).Single();
    }
}

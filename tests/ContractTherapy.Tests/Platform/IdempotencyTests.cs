using ContractTherapy.Shared.Idempotency;
using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Platform;

public sealed class IdempotencyTests(AppFixture app) : IntegrationTest(app)
{
    [Fact]
    public async Task a_repeated_create_with_the_same_key_returns_the_first_response_and_creates_nothing()
    {
        var body = new { name = "Sunrise HH", billingEmail = "ap@sunrise.example" };
        var first = (await Api.Post("/api/agencies", body, idempotencyKey: "create-sunrise-1")).ShouldBe(201);
        var again = (await Api.Post("/api/agencies", body, idempotencyKey: "create-sunrise-1")).ShouldBe(201);

        again.Id.ShouldBe(first.Id);
        again.Body.ShouldBe(first.Body);
        again.Header("Location").ShouldBe(first.Header("Location"));
        again.Header("Idempotent-Replayed").ShouldBe("true");
        (await Api.Get("/api/agencies")).Json["total"]!.GetValue<long>().ShouldBe(1);
    }

    [Fact]
    public async Task without_a_key_the_same_body_is_a_new_request()
    {
        var body = new { legalName = "A", email = "a@b.example", disciplines = new[] { "PT" } };
        (await Api.Post("/api/contractors", body)).ShouldBe(201);
        (await Api.Post("/api/contractors", body)).ShouldBeProblem(409);
    }

    [Fact]
    public async Task the_same_key_with_another_body_is_refused_with_422_and_changes_nothing()
    {
        await Api.Post("/api/agencies", new { name = "A HH", billingEmail = "a@a.example" }, idempotencyKey: "k-1");
        (await Api.Post("/api/agencies", new { name = "B HH", billingEmail = "b@b.example" }, idempotencyKey: "k-1")).ShouldBeProblem(422);
        (await Api.Get("/api/agencies")).Json["total"]!.GetValue<long>().ShouldBe(1);
    }

    [Fact]
    public async Task a_repeated_rate_change_appends_one_rate_set()
    {
        var agency = await Api.RegisteredAgency();
        var body = new { effectiveFrom = "2026-01-01", rates = new[] { Rate("PT", "Routine", 95m) } };
        var first = (await Api.Put($"/api/agencies/{agency}/bill-rates", body, idempotencyKey: "rates-jan")).ShouldBe(200);
        var again = (await Api.Put($"/api/agencies/{agency}/bill-rates", body, idempotencyKey: "rates-jan")).ShouldBe(200);
        again.Json["id"]!.GetValue<string>().ShouldBe(first.Json["id"]!.GetValue<string>());

        await using var session = App.Store.QuerySession(Api.Tenant);
        var events = await session.Events.FetchStreamAsync(agency);
        events.Count.ShouldBe(2); // registered + one rate set
    }

    [Fact]
    public async Task a_validation_failure_is_remembered_too()
    {
        var first = await Api.Post("/api/agencies", new { name = "", billingEmail = "x@y.example" }, idempotencyKey: "bad-1");
        first.ShouldBeProblem(400, "name");
        var again = await Api.Post("/api/agencies", new { name = "", billingEmail = "x@y.example" }, idempotencyKey: "bad-1");
        again.Status.ShouldBe(400);
        again.Header("Idempotent-Replayed").ShouldBe("true");
    }

    [Fact]
    public async Task keys_are_per_tenant()
    {
        var body = new { name = "Sunrise HH", billingEmail = "ap@sunrise.example" };
        var mine = (await Api.Post("/api/agencies", body, idempotencyKey: "shared-key")).ShouldBe(201);
        var theirs = (await OtherTenant().Post("/api/agencies", body, idempotencyKey: "shared-key")).ShouldBe(201);
        theirs.Id.ShouldNotBe(mine.Id);
        theirs.Header("Idempotent-Replayed").ShouldBe("");
    }

    [Fact]
    public async Task an_overlong_key_is_a_400()
    {
        (await Api.Post("/api/agencies", new { name = "A", billingEmail = "a@b.example" }, idempotencyKey: new string('k', 256)))
            .ShouldBeProblem(400, "Idempotency-Key");
    }

    /// <summary>
    /// What a SIGKILL between the visit's commit and the answer's record leaves: the visit and its
    /// event are saved, the key's record is still the reservation, started <paramref name="ago"/>.
    /// </summary>
    private async Task CrashAfterCommit(string key, TimeSpan ago)
    {
        await using var session = App.Store.LightweightSession(Api.Tenant);
        var id = $"POST /api/visits {key}";
        var answer = await session.LoadAsync<IdempotentRequest>(id);
        answer.ShouldNotBeNull().Completed.ShouldBeTrue();
        session.Store(new IdempotentRequest { Id = id, Fingerprint = answer.Fingerprint, StartedAt = TestClock.Instance.GetUtcNow() - ago });
        await session.SaveChangesAsync();
    }

    private async Task<long> VisitsLogged()
    {
        await using var session = App.Store.QuerySession(Api.Tenant);
        return (await session.QueryAsync<long>(
            "select count(*) from contracttherapy.mt_events where tenant_id = ? and type = 'visit_logged'", Api.Tenant)).Single();
    }

    [Fact]
    public async Task a_visit_retried_after_a_crash_between_its_commit_and_its_answer_returns_the_first_visit()
    {
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        var visit = Visit(dana, agency, DaysAgo(1));
        var first = (await Api.LogVisit(visit, idempotencyKey: "visit-crash-1")).ShouldBe(201);
        await CrashAfterCommit("visit-crash-1", IdempotencyMiddleware.AbandonedAfter + TimeSpan.FromSeconds(1));

        // The dead reservation is taken over and the endpoint runs again: it finds the first visit.
        var retry = (await Api.LogVisit(visit, idempotencyKey: "visit-crash-1")).ShouldBe(201);
        retry.Id.ShouldBe(first.Id);
        retry.Header("Location").ShouldBe(first.Header("Location"));
        retry.Header("Idempotent-Replayed").ShouldBe("true");
        retry.Json["patient"]!["name"]!.GetValue<string>().ShouldBe("Jane Doe");
        (await VisitsLogged()).ShouldBe(1);

        // And that answer is now the key's remembered one.
        (await Api.LogVisit(visit, idempotencyKey: "visit-crash-1")).ShouldBe(201).Id.ShouldBe(first.Id);
        (await VisitsLogged()).ShouldBe(1);
    }

    [Fact]
    public async Task a_retry_while_the_dead_reservation_is_still_held_gets_409_with_retry_after_and_changes_nothing()
    {
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        var visit = Visit(dana, agency, DaysAgo(1));
        (await Api.LogVisit(visit, idempotencyKey: "visit-crash-2")).ShouldBe(201);
        await CrashAfterCommit("visit-crash-2", TimeSpan.FromSeconds(30));

        var retry = await Api.LogVisit(visit, idempotencyKey: "visit-crash-2");
        retry.ShouldBeProblem(409);
        // Until the reservation may be taken over (2 min after it started), give or take a second.
        int.Parse(retry.Header("Retry-After")).ShouldBeInRange(89, 92);
        (await VisitsLogged()).ShouldBe(1);
    }

    [Fact]
    public async Task a_key_reused_for_another_visit_after_its_record_was_lost_is_a_422()
    {
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(1)), idempotencyKey: "visit-crash-3")).ShouldBe(201);
        await using (var session = App.Store.LightweightSession(Api.Tenant))
        {
            session.Delete<IdempotentRequest>("POST /api/visits visit-crash-3");
            await session.SaveChangesAsync();
        }

        (await Api.LogVisit(Visit(dana, agency, DaysAgo(2)), idempotencyKey: "visit-crash-3")).ShouldBeProblem(422);
        (await VisitsLogged()).ShouldBe(1);
    }
}

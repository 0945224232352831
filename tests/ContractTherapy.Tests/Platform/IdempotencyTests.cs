using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.Scenarios;

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
}

using ContractTherapy.Tests.Infrastructure;
using Marten;

namespace ContractTherapy.Tests.Platform;

public sealed class AuthAndAuditTests(AppFixture app) : IntegrationTest(app)
{
    [Fact]
    public async Task no_token_is_a_401_problem()
    {
        var reply = await Api.Send(HttpMethod.Get, "/api/agencies", null, token: null);
        reply.ShouldBeProblem(401);
    }

    [Fact]
    public async Task a_token_signed_with_another_key_is_a_401()
    {
        var token = await Api.Token("owner");
        var parts = token.Split('.');
        var forged = $"{parts[0]}.{parts[1]}.{new string('A', parts[2].Length)}";
        (await Api.Send(HttpMethod.Get, "/api/agencies", null, forged)).Status.ShouldBe(401);
    }

    [Theory]
    [InlineData("""{"tenant":"t1","role":"janitor"}""", "role")]
    [InlineData("""{"role":"owner"}""", "tenant")]
    [InlineData("""{"tenant":"has spaces","role":"owner"}""", "tenant")]
    [InlineData("""{"tenant":"t1","role":"contractor"}""", "contractorId")]
    [InlineData("""{"tenant":"t1","role":"agency"}""", "agencyId")]
    public async Task dev_tokens_are_refused_for_bad_requests(string body, string field)
    {
        (await Api.Send(HttpMethod.Post, "/dev/token", body, token: null)).ShouldBeProblem(400, field);
    }

    [Fact]
    public async Task the_openapi_document_and_the_api_reference_are_served()
    {
        var doc = (await Api.Send(HttpMethod.Get, "/openapi/v1.json", null, null)).ShouldBe(200).Json;
        var paths = doc["paths"]!.AsObject().Select(p => p.Key).ToList();
        paths.ShouldContain("/api/agencies");
        paths.ShouldContain("/api/agencies/{id}/bill-rates");
        paths.ShouldContain("/api/contractors/{id}/pay-rates");
        paths.ShouldContain("/api/contractors/{id}/w9");
        paths.ShouldContain("/api/settings");
        foreach (var later in new[]
                 {
                     "/api/visits", "/api/visits/{id}", "/api/visits/{id}/void", "/api/visits/live", "/api/cycles/{id}/close",
                     "/api/cycles/{id}/preview", "/api/invoices/{id}", "/api/invoices/{id}/pdf", "/api/invoices/{id}/payments", "/api/paystubs/{id}",
                     "/api/cycles/{id}/pay-run/approve", "/api/payments/manual", "/api/payments/{id}/retry", "/api/webhooks/stripe",
                     "/api/tax/1099-nec/{year}", "/api/tax/1099-nec/{year}/iris.csv", "/api/audit/streams/{id}",
                     "/api/audit/documents/{kind}/{id}/lineage", "/api/audit/replay", "/api/audit/verify", "/api/audit/export", "/api/audit/access-log",
                     "/api/invoices/{id}/notice",
                 })
            paths.ShouldContain(later);
        (await Api.Send(HttpMethod.Get, "/docs/", null, null)).Status.ShouldBe(200);
    }

    [Fact]
    public async Task every_event_records_who_caused_it_with_role_and_correlation()
    {
        var reply = await Api.Send(HttpMethod.Post, "/api/agencies", new { name = "Audit HH", billingEmail = "a@b.example" },
            await Api.Token("billing", sub: "clerk-17"));
        reply.ShouldBe(201);

        await using var session = App.Store.QuerySession(Api.Tenant);
        var events = await session.Events.FetchStreamAsync(reply.Id);
        var registered = events.ShouldHaveSingleItem();
        registered.UserName.ShouldBe("clerk-17");
        registered.GetHeader("role")!.ToString().ShouldBe("billing");
        registered.CorrelationId.ShouldNotBeNullOrEmpty();
        registered.TenantId.ShouldBe(Api.Tenant);
    }

    [Fact]
    public async Task a_deactivation_reason_is_recorded_on_the_event()
    {
        var id = await Api.OnboardedContractor();
        await Api.Post($"/api/contractors/{id}/deactivate", new { reason = "License lapsed" }, role: "payroll");

        await using var session = App.Store.QuerySession(Api.Tenant);
        var last = (await session.Events.FetchStreamAsync(id)).Last();
        last.GetHeader("reason")!.ToString().ShouldBe("License lapsed");
        last.GetHeader("role")!.ToString().ShouldBe("payroll");
    }
}

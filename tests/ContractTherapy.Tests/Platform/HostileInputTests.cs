using ContractTherapy.Tests.Infrastructure;

namespace ContractTherapy.Tests.Platform;

/// <summary>Inputs the fuzzer (Security/FuzzTests.cs) found answered with 500: each is a 4xx problem now.</summary>
public sealed class HostileInputTests(AppFixture app) : IntegrationTest(app)
{
    private const string Nil = "00000000-0000-0000-0000-000000000000";

    [Theory]
    [InlineData("POST", "/api/contractors/" + Nil + "/deactivate")]
    [InlineData("POST", "/api/contractors/" + Nil + "/agencies/" + Nil)]
    [InlineData("DELETE", "/api/contractors/" + Nil + "/agencies/" + Nil)]
    [InlineData("POST", "/api/cycles/" + Nil + "/close")]
    [InlineData("POST", "/api/visits/" + Nil + "/sign-note")]
    [InlineData("POST", "/api/payments/" + Nil + "/retry")]
    [InlineData("GET", "/api/visits/" + Nil)]
    public async Task the_nil_uuid_names_no_record(string method, string url) =>
        (await Api.As(new HttpMethod(method), url, null, "owner", null, null)).ShouldBeProblem(404);

    [Fact]
    public async Task correcting_the_nil_uuid_visit_is_a_404() =>
        (await Api.Put($"/api/visits/{Nil}", new { miles = 3, reason = "typo" })).ShouldBeProblem(404);

    [Theory]
    [InlineData("/api/agencies?page=2147483647")]
    [InlineData("/api/cycles?page=1373804502&pageSize=500")]
    [InlineData("/api/visits?page=2147483647&pageSize=500")]
    public async Task a_page_beyond_any_list_is_refused_not_overflowed(string url) =>
        (await Api.Get(url)).ShouldBeProblem(400, "page");

    [Theory]
    [InlineData("/api/visits?agencyId=x", "agencyId", "'agencyId' must be a UUID.")]
    [InlineData("/api/paystubs?contractorId=00000000-0000-0000-0000-00000000000g", "contractorId", "'contractorId' must be a UUID.")]
    [InlineData("/api/agencies?page=abc", "page", "'page' must be a whole number from -2147483648 to 2147483647.")]
    [InlineData("/api/contractors?pageSize=2147483648", "pageSize", "'pageSize' must be a whole number from -2147483648 to 2147483647.")]
    [InlineData("/api/payments?year=twenty", "year", "'year' must be a whole number from -2147483648 to 2147483647.")]
    public async Task a_query_value_of_the_wrong_type_is_a_validation_problem_naming_it(string url, string field, string message)
    {
        // Wolverine's own answer had no 'errors', named the CLR type (System.Guid) and repeated the value.
        var reply = (await Api.Get(url)).ShouldBeProblem(400, field);
        reply.ErrorFields.ShouldBe([field]);
        reply.Json["errors"]![field]!.AsArray().Single()!.GetValue<string>().ShouldBe(message);
        reply.Json["type"]!.GetValue<string>().ShouldBe("https://contracttherapy.dev/problems/validation");
        reply.Body.ShouldNotContain("System.", Case.Sensitive);
    }

    [Fact]
    public async Task every_query_value_of_the_wrong_type_is_named_at_once() =>
        (await Api.Get("/api/invoices?cycleId=nope&agencyId=7&page=1&pageSize=x")).ShouldBeProblem(400, "cycleId", "agencyId", "pageSize")
            .ErrorFields.Count.ShouldBe(3);

    [Fact]
    public async Task a_nul_character_in_a_text_field_is_a_400_naming_the_field()
    {
        (await Api.Post("/api/agencies", """{"name":"Sun\u0000rise","billingEmail":"ap@sunrise.example"}""")).ShouldBeProblem(400)
            .Body.ShouldContain("name");
        (await Api.Get("/api/agencies")).ShouldBe(200).Json["total"]!.GetValue<long>().ShouldBe(0);
    }

    [Theory]
    [InlineData("a\u0000b")]
    [InlineData("bell\u0007")]
    public async Task an_idempotency_key_with_control_characters_is_a_400(string key)
    {
        (await Api.Post("/api/agencies", new { name = "Sunrise HH", billingEmail = "ap@sunrise.example" }, idempotencyKey: key))
            .ShouldBeProblem(400, "Idempotency-Key");
        (await Api.Get("/api/agencies")).ShouldBe(200).Json["total"]!.GetValue<long>().ShouldBe(0);
    }

    [Fact]
    public async Task a_json_body_sent_without_a_content_type_is_a_415_saying_so_not_a_404()
    {
        var dana = await Api.OnboardedContractor();
        using var client = App.Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await Api.Token("owner"));
        foreach (var (method, url) in new[] { (HttpMethod.Post, "/api/agencies"), (HttpMethod.Put, $"/api/contractors/{dana}/w9") })
        {
            using var request = new HttpRequestMessage(method, url)
            {
                Content = new ByteArrayContent("""{"name":"Sunrise HH","billingEmail":"ap@sunrise.example"}"""u8.ToArray()), // no Content-Type
            };
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            ((int)response.StatusCode).ShouldBe(415, body);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            body.ShouldContain("Content-Type: application/json");
        }
        (await Api.Get("/api/agencies")).ShouldBe(200).Json["total"]!.GetValue<long>().ShouldBe(0);
        // A path no endpoint answers is still a 404.
        using var unknown = await client.PostAsync("/api/nothing-here", new ByteArrayContent("{}"u8.ToArray()));
        ((int)unknown.StatusCode).ShouldBe(404);
    }

    [Fact]
    public async Task the_api_reference_lists_that_415_on_every_operation_that_reads_a_json_body()
    {
        var document = (await Api.Send(HttpMethod.Get, "/openapi/v1.json", null, null)).ShouldBe(200).Json;

        var operations = document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject().Select(op => (Name: $"{op.Key} {path.Key}", Op: op.Value!))).ToList();
        var readingJson = operations.Where(o => o.Op["requestBody"]?["content"]?.AsObject().Any(c => c.Key.Contains("json")) == true).ToList();
        readingJson.Select(o => o.Name).ShouldContain("post /api/agencies");
        readingJson.Select(o => o.Name).ShouldContain("post /api/visits");
        readingJson.Where(o => o.Op["responses"]?["415"]?["content"]?["application/problem+json"] is null).Select(o => o.Name).ShouldBeEmpty();
        // An operation without a body does not list it.
        operations.Single(o => o.Name == "get /api/agencies").Op["responses"]!["415"].ShouldBeNull();
    }

    [Fact]
    public async Task a_json_body_sent_without_a_content_type_or_with_one_that_is_not_json_is_a_415_problem_not_a_404()
    {
        // A client that sends its JSON as text/plain (curl -d without -H, a hand-written fetch) was answered 404 for a path
        // the API reference lists: routing's content-type check had left the endpoint out.
        using var client = App.Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await Api.Token("owner"));
        foreach (var mediaType in new string?[] { null, "text/plain" })
        {
            var content = new ByteArrayContent("""{"name":"Sunrise HH","billingEmail":"ap@sunrise.example"}"""u8.ToArray());
            if (mediaType is not null) content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
            using var response = await client.PostAsync("/api/agencies", content);
            ((int)response.StatusCode).ShouldBe(415, mediaType ?? "no Content-Type");
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json", mediaType ?? "no Content-Type");
        }
        (await Api.Get("/api/agencies")).ShouldBe(200).Json["total"]!.GetValue<long>().ShouldBe(0);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("multipart/form-data")]
    public async Task a_deactivation_body_that_is_not_json_is_a_415(string mediaType)
    {
        var dana = await Api.OnboardedContractor();
        using var client = App.Host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/contractors/{dana}/deactivate")
        {
            Content = new StringContent("{}", System.Text.Encoding.UTF8, mediaType),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await Api.Token("owner"));
        using var response = await client.SendAsync(request);
        ((int)response.StatusCode).ShouldBe(415, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await Api.Get($"/api/contractors/{dana}")).Json["status"]!.GetValue<string>().ShouldBe("active");
    }
}

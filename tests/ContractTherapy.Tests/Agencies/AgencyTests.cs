using System.Text;
using ContractTherapy.Tests.Infrastructure;

namespace ContractTherapy.Tests.Agencies;

public sealed class AgencyTests(AppFixture app) : IntegrationTest(app)
{
    [Fact]
    public async Task registering_an_agency_returns_201_with_its_id_and_it_can_be_read_back()
    {
        var created = (await Api.Post("/api/agencies", new
        {
            name = "Sunrise HH",
            billingEmail = "ap@sunrise.example",
            address = new { line1 = "5 River Rd", city = "Troy", state = "NY", zip = "12180" },
            paymentTermsDays = 45,
        })).ShouldBe(201);
        created.Header("Location").ShouldBe($"/api/agencies/{created.Id}");

        var read = (await Api.Get($"/api/agencies/{created.Id}")).ShouldBe(200).Json;
        read["name"]!.GetValue<string>().ShouldBe("Sunrise HH");
        read["billingEmail"]!.GetValue<string>().ShouldBe("ap@sunrise.example");
        read["paymentTermsDays"]!.GetValue<int>().ShouldBe(45);
        read["address"]!["city"]!.GetValue<string>().ShouldBe("Troy");
    }

    [Fact]
    public async Task payment_terms_default_to_30_days()
    {
        var id = await Api.RegisteredAgency();
        (await Api.Get($"/api/agencies/{id}")).Json["paymentTermsDays"]!.GetValue<int>().ShouldBe(30);
    }

    [Fact]
    public async Task agencies_are_listed_by_name_with_paging()
    {
        foreach (var name in new[] { "Charlie HH", "Alpha HH", "Bravo HH" }) await Api.RegisteredAgency(name);

        var first = (await Api.Get("/api/agencies?page=1&pageSize=2")).ShouldBe(200).Json;
        first["total"]!.GetValue<long>().ShouldBe(3);
        first["page"]!.GetValue<int>().ShouldBe(1);
        first["pageSize"]!.GetValue<int>().ShouldBe(2);
        first["items"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()).ShouldBe(["Alpha HH", "Bravo HH"]);

        var second = (await Api.Get("/api/agencies?page=2&pageSize=2")).Json;
        second["items"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()).ShouldBe(["Charlie HH"]);
    }

    [Theory]
    [InlineData("page=0", "page")]
    [InlineData("pageSize=501", "pageSize")]
    [InlineData("page=abc", "page")]
    public async Task bad_paging_is_a_400_naming_the_parameter(string query, string field)
    {
        var reply = await Api.Get($"/api/agencies?{query}");
        reply.Status.ShouldBe(400);
        reply.Body.ShouldContain(field);
    }

    public static TheoryData<string, string> InvalidAgencies => new()
    {
        { """{"billingEmail":"ap@x.example"}""", "name" },
        { """{"name":"   ","billingEmail":"ap@x.example"}""", "name" },
        { $$"""{"name":"{{new string('x', 201)}}","billingEmail":"ap@x.example"}""", "name" },
        { """{"name":"A"}""", "billingEmail" },
        { """{"name":"A","billingEmail":"not-an-email"}""", "billingEmail" },
        { """{"name":"A","billingEmail":"ap@x.example","paymentTermsDays":-1}""", "paymentTermsDays" },
        { """{"name":"A","billingEmail":"ap@x.example","address":{"line1":"1 St","city":"Troy","state":"New York","zip":"12180"}}""", "address.state" },
        { """{"name":"A","billingEmail":"ap@x.example","address":{"line1":"1 St","city":"Troy","state":"NY","zip":"1218"}}""", "address.zip" },
    };

    [Theory]
    [MemberData(nameof(InvalidAgencies))]
    public async Task invalid_agencies_are_refused_with_field_errors_and_nothing_is_stored(string body, string field)
    {
        (await Api.Post("/api/agencies", body)).ShouldBeProblem(400, field);
        (await Api.Get("/api/agencies")).Json["total"]!.GetValue<long>().ShouldBe(0);
    }

    [Fact]
    public async Task a_malformed_json_body_is_a_400_problem()
    {
        var reply = await Api.Post("/api/agencies", """{"name": """);
        reply.Status.ShouldBe(400);
        reply.Header("Content-Type").ShouldStartWith("application/problem+json");
    }

    [Fact]
    public async Task a_body_that_is_not_json_is_refused_saying_where_it_breaks_and_nothing_of_what_it_held()
    {
        // A bad literal: System.Text.Json's own message repeats the rest of the body (JsonBodySyntax).
        var reply = (await Api.Post("/api/agencies", "{\"name\":\"Sunrise\",\n\"paymentTermsDays\":t30,\"billingEmail\":\"ap@secret.example\"}"))
            .ShouldBeProblem(400);
        reply.Body.ShouldNotContain("secret.example");
        reply.Json["lineNumber"]!.GetValue<long>().ShouldBe(1);
        reply.Json["detail"]!.GetValue<string>().ShouldContain("line 2");
        (await Api.Get("/api/agencies")).Json["total"]!.GetValue<long>().ShouldBe(0);
    }

    [Fact]
    public async Task a_body_that_is_not_utf8_is_refused_as_such_and_nothing_is_stored()
    {
        // "Soleil Santé" as a Latin-1 client sends it: the é is the single byte 0xE9.
        var body = Encoding.UTF8.GetBytes("{\"name\":\"Soleil Sant").Concat(new byte[] { 0xE9 })
            .Concat(Encoding.UTF8.GetBytes("\",\"billingEmail\":\"ap@soleil.example\"}")).ToArray();
        var reply = (await Api.Post("/api/agencies", body)).ShouldBeProblem(400);
        reply.Json["title"]!.GetValue<string>().ShouldBe("The request body is not valid UTF-8.");
        reply.Json["byteOffset"]!.GetValue<int>().ShouldBe(20);
        reply.Body.ShouldNotContain("must be a string");
        (await Api.Get("/api/agencies")).Json["total"]!.GetValue<long>().ShouldBe(0);
        // The same agency sent as UTF-8 is registered.
        (await Api.Post("/api/agencies", "{\"name\":\"Soleil Santé\",\"billingEmail\":\"ap@soleil.example\"}")).ShouldBe(201);
    }

    [Fact]
    public async Task a_json_body_that_starts_with_a_byte_order_mark_is_read()
    {
        // Some Windows clients (a .NET StreamWriter with Encoding.UTF8, PowerShell 5) send one; System.Text.Json skips it.
        (await Api.Post("/api/agencies", "\uFEFF{\"name\":\"Sunrise HH\",\"billingEmail\":\"ap@sunrise.example\"}")).ShouldBe(201);
    }

    [Fact]
    public async Task registering_the_same_agency_name_twice_is_a_409()
    {
        await Api.RegisteredAgency("Sunrise HH");
        (await Api.Post("/api/agencies", new { name = "sunrise hh", billingEmail = "x@y.example" })).ShouldBeProblem(409);
    }

    [Theory]
    [InlineData("payroll")]
    [InlineData("compliance")]
    [InlineData("accountant")]
    public async Task only_owner_and_billing_register_agencies(string role)
    {
        (await Api.Post("/api/agencies", new { name = "A", billingEmail = "a@b.example" }, role: role)).ShouldBeProblem(403);
        (await Api.Post("/api/agencies", new { name = "A", billingEmail = "a@b.example" }, role: "billing")).ShouldBe(201);
    }

    [Fact]
    public async Task a_contractor_sees_only_the_agencies_it_is_placed_with()
    {
        var placed = await Api.RegisteredAgency("Placed HH");
        var other = await Api.RegisteredAgency("Other HH");
        var contractor = await Api.PlacedContractor(placed);

        var list = (await Api.Get("/api/agencies", role: "contractor", contractorId: contractor)).ShouldBe(200).Json;
        list["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ShouldBe([placed.ToString()]);
        (await Api.Get($"/api/agencies/{placed}", role: "contractor", contractorId: contractor)).ShouldBe(200);
        (await Api.Get($"/api/agencies/{other}", role: "contractor", contractorId: contractor)).ShouldBeProblem(404);

        (await Api.Delete($"/api/contractors/{contractor}/agencies/{placed}")).ShouldBe(200);
        (await Api.Get("/api/agencies", role: "contractor", contractorId: contractor)).ShouldBe(200).Json["items"]!.AsArray().ShouldBeEmpty();
        (await Api.Get("/api/agencies", role: "contractor", contractorId: Guid.NewGuid())).ShouldBe(200).Json["items"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task an_agency_portal_user_sees_only_its_own_agency()
    {
        var mine = await Api.RegisteredAgency("Mine HH");
        var other = await Api.RegisteredAgency("Other HH");

        var list = (await Api.Get("/api/agencies", role: "agency", agencyId: mine)).ShouldBe(200).Json;
        list["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ShouldBe([mine.ToString()]);
        (await Api.Get($"/api/agencies/{mine}", role: "agency", agencyId: mine)).ShouldBe(200);
        (await Api.Get($"/api/agencies/{other}", role: "agency", agencyId: mine)).ShouldBeProblem(404);
    }

    [Fact]
    public async Task another_tenants_agency_is_unknown_here()
    {
        var id = await Api.RegisteredAgency();
        var other = OtherTenant();

        (await other.Get($"/api/agencies/{id}")).ShouldBeProblem(404);
        (await other.Get("/api/agencies")).Json["total"]!.GetValue<long>().ShouldBe(0);
        (await other.SetBillRates(id, "2026-01-01", Scenarios.Rate("PT", "Routine", 95m))).ShouldBeProblem(404);
        (await other.Get($"/api/agencies/{id}/bill-rates")).ShouldBeProblem(404);
    }

    [Fact]
    public async Task an_unknown_agency_is_a_404()
    {
        (await Api.Get($"/api/agencies/{Guid.NewGuid()}")).ShouldBeProblem(404);
    }
}

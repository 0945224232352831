using ContractTherapy.Tests.Infrastructure;
using ContractTherapy.Tests.Security;

namespace ContractTherapy.Tests.Platform;

/// <summary>
/// A body that is JSON but holds a value of the wrong type (a word where a UUID goes, a string where a list goes) is a
/// validation problem that names the field and the type it takes, like every other bad input: not a reader's message
/// naming the product's internal types, and nothing saved.
/// </summary>
public sealed class WrongTypedBodyTests(AppFixture app) : IntegrationTest(app)
{
    public static TheoryData<string, string, string> WrongTypedVisits => new()
    {
        { """{"contractorId":"x"}""", "contractorId", "'contractorId' must be a UUID." },
        // Named as the API names it, not as the client spelled it (names are matched in any letter case).
        { """{"ContractorID":"x"}""", "contractorId", "'contractorId' must be a UUID." },
        { """{"visitDate":"2026-13-45"}""", "visitDate", "'visitDate' must be a date (YYYY-MM-DD)." },
        { """{"visitDate":20260303}""", "visitDate", "'visitDate' must be a date (YYYY-MM-DD)." },
        { """{"miles":"ten"}""", "miles", "'miles' must be a number (at most 28 digits)." },
        { """{"miles":1e400}""", "miles", "'miles' must be a number (at most 28 digits)." },
        { """{"noteSigned":"yes"}""", "noteSigned", "'noteSigned' must be true or false." },
        { """{"notes":42}""", "notes", "'notes' must be a string." },
        { """{"patient":"Zebulon Quartermaine"}""", "patient", "'patient' must be an object." },
        { """{"patient":{"name":["Zebulon"],"mrn":"ZQ-1"}}""", "patient.name", "'patient.name' must be a string." },
    };

    [Theory]
    [MemberData(nameof(WrongTypedVisits))]
    public async Task a_visit_field_of_the_wrong_type_is_a_validation_problem_naming_it(string body, string field, string message)
    {
        var reply = (await Api.Post("/api/visits", body)).ShouldBeProblem(400, field);
        reply.ErrorFields.ShouldBe([field]);
        reply.Json["errors"]![field]!.AsArray().Single()!.GetValue<string>().ShouldBe(message);
        reply.Json["type"]!.GetValue<string>().ShouldBe("https://contracttherapy.dev/problems/validation");
        reply.Body.ShouldNotContain("ContractTherapy.", Case.Sensitive);
        reply.Body.ShouldNotContain("System.", Case.Sensitive);
        reply.Body.ShouldNotContain("Zebulon");
        (await Api.Get("/api/visits")).ShouldBe(200).Json["total"]!.GetValue<long>().ShouldBe(0);
    }

    [Fact]
    public async Task a_rate_of_the_wrong_type_in_a_list_is_named_by_its_place_in_the_list()
    {
        var agency = await Api.RegisteredAgency("Sunrise HH");
        (await Api.Put($"/api/agencies/{agency}/bill-rates",
                """{"effectiveFrom":"2026-01-01","rates":[{"discipline":"PT","visitType":"Routine","amount":95},{"discipline":"PT","visitType":"Evaluation","amount":true}]}"""))
            .ShouldBeProblem(400, "rates[1].amount");
        (await Api.Put($"/api/agencies/{agency}/bill-rates", """{"effectiveFrom":"2026-01-01","rates":{"discipline":"PT"}}"""))
            .ShouldBeProblem(400, "rates").Json["errors"]!["rates"]![0]!.GetValue<string>().ShouldBe("'rates' must be a list.");
        (await Api.Get($"/api/agencies/{agency}/bill-rates")).ShouldBe(200).Json["rates"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task an_agency_field_of_the_wrong_type_saves_no_agency()
    {
        (await Api.Post("/api/agencies", """{"name":"Sunrise HH","billingEmail":"ap@sunrise.example","paymentTermsDays":"thirty"}"""))
            .ShouldBeProblem(400, "paymentTermsDays").Json["errors"]!["paymentTermsDays"]![0]!.GetValue<string>()
            .ShouldBe("'paymentTermsDays' must be a whole number from -2147483648 to 2147483647.");
        (await Api.Post("/api/agencies", """{"name":"Sunrise HH","billingEmail":"ap@sunrise.example","address":{"line1":1,"city":"Troy","state":"NY","zip":"12180"}}"""))
            .ShouldBeProblem(400, "address.line1");
        (await Api.Get("/api/agencies")).Json["total"]!.GetValue<long>().ShouldBe(0);
    }

    [Fact]
    public async Task no_body_where_one_is_required_is_a_validation_problem()
    {
        var visit = await Api.Post("/api/visits", "");
        visit.ShouldBeProblem(400).Json["title"]!.GetValue<string>().ShouldBe("The request body is empty.");
        visit.Json["type"]!.GetValue<string>().ShouldBe("https://contracttherapy.dev/problems/validation");
        (await Api.Get("/api/visits")).ShouldBe(200).Json["total"]!.GetValue<long>().ShouldBe(0);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"a visit\"")]
    [InlineData("42")]
    [InlineData("null")]
    public async Task a_body_that_is_not_a_json_object_is_a_validation_problem(string body)
    {
        var reply = (await Api.Post("/api/visits", body)).ShouldBeProblem(400);
        reply.Json["title"]!.GetValue<string>().ShouldBe("The request body must be a JSON object.");
        reply.Json["type"]!.GetValue<string>().ShouldBe("https://contracttherapy.dev/problems/validation");
        (await Api.Get("/api/visits")).ShouldBe(200).Json["total"]!.GetValue<long>().ShouldBe(0);
    }
}

/// <summary>A client's mistake is not the host's error: before, every wrong-typed value was logged at Error with a stack trace.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class WrongTypedBodyLogTests(TelemetryFixture app)
{
    [Fact]
    public async Task a_value_of_the_wrong_type_is_not_logged_as_an_error()
    {
        var api = new Api(app.Host, $"t-{Guid.NewGuid():N}");
        var probe = Guid.NewGuid().ToString("N");
        var reply = (await api.Post($"/api/visits?probe={probe}", """{"contractorId":"x","patient":{"name":"Zebulon Quartermaine","mrn":"ZQ-1"}}"""))
            .ShouldBeProblem(400);

        var logs = app.Logs.Text();
        logs.ShouldContain(probe); // the request was logged (Debug level), so the log is the one searched
        logs.ShouldNotContain("deserialize JSON");
        logs.ShouldNotContain("Error ContractTherapy.Visits.LoggingVisits.LogVisit", Case.Sensitive);
        reply.ErrorFields.ShouldBe(["contractorId"]);
    }
}

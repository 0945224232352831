using System.Text.Json.Nodes;
using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Platform;

/// <summary>
/// Enumerated inputs (disciplines, visit types, W-9 fields, payment methods, cycle frequency, roles,
/// status filters) accept any letter case of a listed value and store the listed spelling; an
/// unknown value is a 400 naming the field and the allowed values, and nothing is recorded.
/// </summary>
public sealed class ChoiceInputTests(AppFixture app) : IntegrationTest(app)
{
    private static object W9Body(string tinType, string taxClassification) => new
    {
        tinType, tin = "123-45-6789", legalName = "Dana Kim", taxClassification,
        address = new { line1 = "1 Main St", city = "Albany", state = "NY", zip = "12207" }, certifiedOn = "2026-01-05",
    };

    private static object Settings(string frequency) => new
    {
        billingCycle = new { frequency, firstCycleStartsOn = "2026-03-02" }, requireSignedNote = true, timeZone = "America/New_York",
    };

    private static void ShouldList(Reply reply, string field, params string[] values)
    {
        reply.ShouldBeProblem(400, field);
        var message = reply.Json["errors"]![field]!.AsArray().Single()!.GetValue<string>();
        message.ShouldContain($"'{field}'");
        message.ShouldContain(string.Join(", ", values));
    }

    [Fact]
    public async Task lower_upper_and_mixed_case_values_are_accepted_and_stored_in_the_listed_spelling()
    {
        var onboarded = (await Api.Post("/api/contractors", new { legalName = "Dana Kim", email = "dana@case.example", disciplines = new[] { "pt", "Ot" } }))
            .ShouldBe(201);
        var dana = onboarded.Id;
        onboarded.Json["disciplines"]!.AsArray().Select(d => d!.GetValue<string>()).ShouldBe(["PT", "OT"]);

        var w9 = (await Api.Put($"/api/contractors/{dana}/w9", W9Body("ssn", "SOLEPROPRIETOR"))).ShouldBe(200).Json["w9"]!;
        w9["tinType"]!.GetValue<string>().ShouldBe("SSN");
        w9["taxClassification"]!.GetValue<string>().ShouldBe("soleProprietor");

        var agency = await Api.RegisteredAgency();
        var rates = (await Api.SetBillRates(agency, "2026-01-01", Rate("pt", "ROUTINE", 95m), Rate("Ot", "evaluation", 150m))).ShouldBe(200).Json;
        rates["rates"]!.AsArray().Select(r => $"{r!["discipline"]} {r["visitType"]}").ShouldBe(["PT Routine", "OT Evaluation"], ignoreOrder: true);

        (await Api.Post($"/api/contractors/{dana}/agencies/{agency}")).ShouldBe(200);
        var visit = (await Api.LogVisit(Visit(dana, agency, "2026-03-04", visitType: "sTaRtOfCaRe", discipline: "pt"))).ShouldBe(201).Json;
        visit["discipline"]!.GetValue<string>().ShouldBe("PT");
        visit["visitType"]!.GetValue<string>().ShouldBe("StartOfCare");
        var corrected = (await Api.Put($"/api/visits/{visit["id"]}", new { visitType = "DISCHARGE", reason = "was the last visit" }, role: "billing"))
            .ShouldBe(200).Json;
        corrected["visitType"]!.GetValue<string>().ShouldBe("Discharge");

        var payment = (await Api.Post("/api/payments/manual", new { contractorId = dana, amount = 10m, paidOn = "2026-02-01", method = "ACH", reference = "R1" },
            role: "payroll")).ShouldBe(201).Json;
        payment["method"]!.GetValue<string>().ShouldBe("ach");

        (await Api.Put("/api/settings", Settings("Weekly"))).ShouldBe(200).Json["billingCycle"]!["frequency"]!.GetValue<string>().ShouldBe("weekly");

        (await Api.Get("/api/visits?status=OPEN")).ShouldBe(200).Json["items"]!.AsArray().Count.ShouldBe(1);
        (await Api.Get("/api/contractors?status=Active")).ShouldBe(200).Json["items"]!.AsArray().Count.ShouldBe(1);
        (await Api.Get("/api/payments?status=REQUESTED", role: "payroll")).ShouldBe(200);
        (await Api.Get("/api/invoices?status=PartiallyPaid", role: "billing")).ShouldBe(200);
        (await Api.Get($"/api/audit/documents/PAYSTUB/{Guid.NewGuid()}/lineage", role: "compliance")).ShouldBeProblem(404);

        var token = (await Api.Send(HttpMethod.Post, "/dev/token", new { tenant = Api.Tenant, role = "Accountant" }, token: null)).ShouldBe(200);
        token.Body.ShouldContain("token");
    }

    [Fact]
    public async Task an_unknown_value_is_a_400_that_names_the_field_and_lists_the_values_and_nothing_is_recorded()
    {
        ShouldList(await Api.Post("/api/contractors", new { legalName = "Dana Kim", email = "dana@case.example", disciplines = new[] { "pt", "XX" } }),
            "disciplines[1]", "PT, PTA, OT, COTA, ST");
        (await Api.Get("/api/contractors")).Json["total"]!.GetValue<int>().ShouldBe(0);

        var dana = await Api.OnboardedContractor();
        ShouldList(await Api.Put($"/api/contractors/{dana}/w9", W9Body("ITIN", "individual")), "tinType", "SSN, EIN");
        ShouldList(await Api.Put($"/api/contractors/{dana}/w9", W9Body("SSN", "llc")), "taxClassification",
            "individual, soleProprietor, cCorporation, sCorporation, partnership, trustEstate, llcC, llcS, llcP, other");
        (await Api.Get($"/api/contractors/{dana}")).Json["w9OnFile"]!.GetValue<bool>().ShouldBeFalse();
        (await Api.Get($"/api/audit/streams/{dana}", role: "compliance")).Json.AsArray().Count.ShouldBe(1);

        var agency = await Api.RegisteredAgency();
        ShouldList(await Api.SetBillRates(agency, "2026-01-01", Rate("PT", "Checkup", 95m)), "rates[0].visitType",
            "Evaluation, ReEvaluation, Routine, Discharge, Supervisory, StartOfCare, ResumptionOfCare, Recertification, Missed");
        (await Api.Get($"/api/audit/streams/{agency}", role: "compliance")).Json.AsArray().Count.ShouldBe(1);

        ShouldList(await Api.LogVisit(Visit(dana, agency, "2026-03-04", discipline: "PTX")), "discipline", "PT, PTA, OT, COTA, ST");
        (await Api.Get("/api/visits")).Json["items"]!.AsArray().ShouldBeEmpty();

        ShouldList(await Api.Post("/api/payments/manual", new { contractorId = dana, amount = 10m, paidOn = "2026-02-01", method = "bitcoin", reference = "R1" },
            role: "payroll"), "method", "check, ach, card, paypal, other");
        (await Api.Get("/api/payments", role: "payroll")).Json["items"]!.AsArray().ShouldBeEmpty();

        var before = (await Api.Get("/api/settings")).ShouldBe(200).Body;
        ShouldList(await Api.Put("/api/settings", Settings("fortnightly")), "billingCycle.frequency", "weekly, biweekly, semimonthly, monthly");
        (await Api.Get("/api/settings")).Body.ShouldBe(before);

        ShouldList(await Api.Get("/api/visits?status=pending"), "status", "open, invoiced, voided");
        ShouldList(await Api.Get("/api/payments?status=done", role: "payroll"), "status", "requested, held, sent, failed, reversed");
        ShouldList(await Api.Get("/api/invoices?status=unpaid", role: "billing"), "status", "issued, partiallyPaid, paid, overdue");
        ShouldList(await Api.Get("/api/contractors?status=gone"), "status", "active, inactive");
        ShouldList(await Api.Get($"/api/audit/documents/receipt/{Guid.NewGuid()}/lineage", role: "compliance"), "kind", "invoice, paystub, 1099");
        ShouldList(await Api.Send(HttpMethod.Post, "/dev/token", new { tenant = Api.Tenant, role = "boss" }, token: null), "role",
            "owner, billing, payroll, contractor, agency, compliance, accountant");
    }

    [Fact]
    public async Task the_openapi_document_lists_the_allowed_values()
    {
        var doc = (await Api.Send(HttpMethod.Get, "/openapi/v1.json", null, null)).ShouldBe(200).Json;
        var schemas = doc["components"]!["schemas"]!;
        static IEnumerable<string> Enum(JsonNode? schema) => schema!["enum"]!.AsArray().OfType<JsonNode>().Select(v => v.GetValue<string>());

        Enum(schemas["ReceiveW9"]!["properties"]!["tinType"]).ShouldBe(["SSN", "EIN"]);
        Enum(schemas["ReceiveW9"]!["properties"]!["taxClassification"]).ShouldContain("soleProprietor");
        Enum(schemas["OnboardContractor"]!["properties"]!["disciplines"]!["items"]).ShouldBe(["PT", "PTA", "OT", "COTA", "ST"]);
        Enum(schemas["RateInput"]!["properties"]!["visitType"]).ShouldContain("StartOfCare");
        Enum(schemas["LogVisit"]!["properties"]!["discipline"]).ShouldBe(["PT", "PTA", "OT", "COTA", "ST"]);
        Enum(schemas["CorrectVisit"]!["properties"]!["visitType"]).ShouldContain("Discharge");
        Enum(schemas["RecordManualPayment"]!["properties"]!["method"]).ShouldBe(["check", "ach", "card", "paypal", "other"]);
        Enum(schemas["BillingCycleInput"]!["properties"]!["frequency"]).ShouldBe(["weekly", "biweekly", "semimonthly", "monthly"]);
        schemas["ReceiveW9"]!["properties"]!["tinType"]!["type"]!.ToJsonString().ShouldContain("string");

        // Strings pass through a converter of our own (NUL refused); the document still types them.
        schemas["OnboardContractor"]!["properties"]!["legalName"]!["type"]!.ToJsonString().ShouldContain("string");
        schemas["BlockingVisit"]!["properties"]!["missing"]!["items"]!["type"]!.ToString().ShouldBe("string");

        // An optional enumerated input stays optional: a correction sends null for what it leaves alone.
        var correctedDiscipline = schemas["CorrectVisit"]!["properties"]!["discipline"]!;
        correctedDiscipline["type"]!.ToJsonString().ShouldContain("null");
        correctedDiscipline["enum"]!.AsArray().ShouldContain(v => v == null);

        var visitsStatus = doc["paths"]!["/api/visits"]!["get"]!["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "status")!;
        Enum(visitsStatus["schema"]).ShouldBe(["open", "invoiced", "voided"]);
    }
}

using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Visits;

public sealed class LoggingVisitTests(AppFixture app) : IntegrationTest(app)
{
    private async Task<(Guid Agency, Guid Dana)> Placed()
    {
        var agency = await Api.RegisteredAgency();
        return (agency, await Api.PlacedContractor(agency));
    }

    [Fact]
    public async Task a_contractor_logs_a_visit_for_themself()
    {
        var (agency, dana) = await Placed();
        var reply = (await Api.LogVisit(Visit(dana, agency, DaysAgo(1), miles: 12.5m, notes: "Gait training"), role: "contractor", contractorId: dana))
            .ShouldBe(201);
        reply.Header("Location").ShouldBe($"/api/visits/{reply.Id}");
        var json = reply.Json;
        json["status"]!.GetValue<string>().ShouldBe("open");
        json["patient"]!["name"]!.GetValue<string>().ShouldBe("Jane Doe");
        json["noteSigned"]!.GetValue<bool>().ShouldBeTrue();
        json["version"]!.GetValue<long>().ShouldBe(1);

        var read = (await Api.Get($"/api/visits/{reply.Id}", role: "contractor", contractorId: dana)).ShouldBe(200).Json;
        read["patient"]!["mrn"]!.GetValue<string>().ShouldBe("MRN-1001");
        read["miles"]!.GetValue<decimal>().ShouldBe(12.5m);
        read["notes"]!.GetValue<string>().ShouldBe("Gait training");
        read["visitDate"]!.GetValue<string>().ShouldBe(DaysAgo(1));
    }

    [Fact]
    public async Task a_contractor_logging_for_someone_else_gets_403_and_nothing_is_stored()
    {
        var (agency, dana) = await Placed();
        var sam = await Api.PlacedContractor(agency, "Sam Ortiz");
        (await Api.LogVisit(Visit(sam, agency, DaysAgo(1)), role: "contractor", contractorId: dana)).ShouldBeProblem(403);
        (await Api.Get("/api/visits")).Json["total"]!.GetValue<long>().ShouldBe(0);
    }

    [Theory]
    [InlineData("owner")]
    [InlineData("billing")]
    public async Task staff_log_visits_on_a_contractors_behalf(string role)
    {
        var (agency, dana) = await Placed();
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(2)), role: role)).ShouldBe(201);
    }

    [Theory]
    [InlineData("payroll")]
    [InlineData("compliance")]
    [InlineData("accountant")]
    public async Task other_roles_cannot_log_visits(string role)
    {
        var (agency, dana) = await Placed();
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(2)), role: role)).ShouldBeProblem(403);
    }

    public static TheoryData<string, string> InvalidVisits => new()
    {
        { """{"agencyId":"A","patient":{"name":"J","mrn":"1"},"visitDate":"2026-01-01","discipline":"PT","visitType":"Routine"}""", "" },
        { """{"agencyId":"{A}","patient":{"name":"J","mrn":"1"},"visitDate":"{D}","discipline":"PT","visitType":"Routine"}""", "contractorId" },
        { """{"contractorId":"{C}","patient":{"name":"J","mrn":"1"},"visitDate":"{D}","discipline":"PT","visitType":"Routine"}""", "agencyId" },
        { """{"contractorId":"{C}","agencyId":"{A}","visitDate":"{D}","discipline":"PT","visitType":"Routine"}""", "patient" },
        { """{"contractorId":"{C}","agencyId":"{A}","patient":{"mrn":"1"},"visitDate":"{D}","discipline":"PT","visitType":"Routine"}""", "patient.name" },
        { """{"contractorId":"{C}","agencyId":"{A}","patient":{"name":"J","mrn":"has spaces"},"visitDate":"{D}","discipline":"PT","visitType":"Routine"}""", "patient.mrn" },
        { """{"contractorId":"{C}","agencyId":"{A}","patient":{"name":"J","mrn":"1"},"discipline":"PT","visitType":"Routine"}""", "visitDate" },
        { """{"contractorId":"{C}","agencyId":"{A}","patient":{"name":"J","mrn":"1"},"visitDate":"{D}","discipline":"RN","visitType":"Routine"}""", "discipline" },
        { """{"contractorId":"{C}","agencyId":"{A}","patient":{"name":"J","mrn":"1"},"visitDate":"{D}","discipline":"PT","visitType":"Social"}""", "visitType" },
        { """{"contractorId":"{C}","agencyId":"{A}","patient":{"name":"J","mrn":"1"},"visitDate":"{D}","discipline":"PT","visitType":"Routine","miles":-3}""", "miles" },
        { """{"contractorId":"{C}","agencyId":"{A}","patient":{"name":"J","mrn":"1"},"visitDate":"{D}","discipline":"PT","visitType":"Routine","miles":3.25}""", "miles" },
        { """{"contractorId":"{C}","agencyId":"{A}","patient":{"name":"J","mrn":"1"},"visitDate":"{D}","discipline":"PT","visitType":"Routine","allowDuplicate":true}""", "duplicateReason" },
    };

    [Theory]
    [MemberData(nameof(InvalidVisits))]
    public async Task malformed_visits_are_400s_and_store_nothing(string template, string field)
    {
        var (agency, dana) = await Placed();
        var body = template.Replace("{A}", agency.ToString()).Replace("{C}", dana.ToString()).Replace("{D}", DaysAgo(1));
        var reply = await Api.LogVisit(body);
        if (field == "") reply.Status.ShouldBe(400);
        else reply.ShouldBeProblem(400, field);
        (await Api.Get("/api/visits")).Json["total"]!.GetValue<long>().ShouldBe(0);
    }

    [Fact]
    public async Task oversized_notes_are_a_400()
    {
        var (agency, dana) = await Placed();
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(1), notes: new string('n', 4001)))).ShouldBeProblem(400, "notes");
    }

    private static string Rule(Reply reply) => reply.Json["rule"]!.GetValue<string>();

    [Fact]
    public async Task a_deactivated_contractor_cannot_log_visits()
    {
        var (agency, dana) = await Placed();
        await Api.Post($"/api/contractors/{dana}/deactivate");
        Rule((await Api.LogVisit(Visit(dana, agency, DaysAgo(1)))).ShouldBeProblem(422)).ShouldBe("contractor-active");
    }

    [Fact]
    public async Task the_contractor_must_be_assigned_to_the_agency()
    {
        var (agency, dana) = await Placed();
        var other = await Api.RegisteredAgency("Other HH");
        Rule((await Api.LogVisit(Visit(dana, other, DaysAgo(1)))).ShouldBeProblem(422)).ShouldBe("contractor-assigned");

        await Api.Delete($"/api/contractors/{dana}/agencies/{agency}");
        Rule((await Api.LogVisit(Visit(dana, agency, DaysAgo(1)))).ShouldBeProblem(422)).ShouldBe("contractor-assigned");
    }

    [Fact]
    public async Task the_contractor_must_hold_the_discipline()
    {
        var (agency, dana) = await Placed();
        Rule((await Api.LogVisit(Visit(dana, agency, DaysAgo(1), discipline: "OT"))).ShouldBeProblem(422)).ShouldBe("contractor-discipline");
    }

    [Fact]
    public async Task an_unknown_contractor_is_refused_by_rule()
    {
        var agency = await Api.RegisteredAgency();
        Rule((await Api.LogVisit(Visit(Guid.NewGuid(), agency, DaysAgo(1)))).ShouldBeProblem(422)).ShouldBe("contractor-known");
        // Another tenant's contractor is just as unknown.
        var foreign = await OtherTenant().OnboardedContractor();
        Rule((await Api.LogVisit(Visit(foreign, agency, DaysAgo(1)))).ShouldBeProblem(422)).ShouldBe("contractor-known");
    }

    [Fact]
    public async Task the_visit_date_may_be_365_days_back_but_not_366()
    {
        var (agency, dana) = await Placed();
        var today = TestClock.TodayIn("America/New_York");
        (await Api.LogVisit(Visit(dana, agency, today.AddDays(-365).ToString("yyyy-MM-dd")))).ShouldBe(201);
        Rule((await Api.LogVisit(Visit(dana, agency, today.AddDays(-366).ToString("yyyy-MM-dd"), mrn: "M2"))).ShouldBeProblem(422))
            .ShouldBe("visit-date-within-365-days");
    }

    [Fact]
    public async Task the_visit_date_may_not_be_in_the_future_of_the_tenants_time_zone()
    {
        var (agency, dana) = await Placed();
        // UTC+14's today is always at least one day after UTC-12's today.
        var aheadToday = TestClock.TodayIn("Etc/GMT-14");
        var date = aheadToday.ToString("yyyy-MM-dd");

        await Api.SetTimeZone("Etc/GMT+12");
        Rule((await Api.LogVisit(Visit(dana, agency, date))).ShouldBeProblem(422)).ShouldBe("visit-date-not-in-future");

        await Api.SetTimeZone("Etc/GMT-14");
        (await Api.LogVisit(Visit(dana, agency, date))).ShouldBe(201);
    }

    [Fact]
    public async Task a_probable_duplicate_is_a_409_naming_the_existing_visit()
    {
        var (agency, dana) = await Placed();
        var first = (await Api.LogVisit(Visit(dana, agency, DaysAgo(3)))).ShouldBe(201);
        var second = (await Api.LogVisit(Visit(dana, agency, DaysAgo(3), patientName: "Jane  Doe", mrn: "mrn-1001"))).ShouldBeProblem(409);
        second.Json["existingVisitId"]!.GetValue<string>().ShouldBe(first.Id.ToString());
        (await Api.Get("/api/visits")).Json["total"]!.GetValue<long>().ShouldBe(1);
    }

    [Fact]
    public async Task visits_differing_in_one_key_field_are_not_duplicates()
    {
        var (agency, dana) = await Placed();
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(3)))).ShouldBe(201);
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(4)))).ShouldBe(201);
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(3), visitType: "Evaluation"))).ShouldBe(201);
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(3), mrn: "MRN-2002"))).ShouldBe(201);
    }

    [Fact]
    public async Task an_intended_duplicate_is_accepted_with_its_reason()
    {
        var (agency, dana) = await Placed();
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(3)))).ShouldBe(201);
        var body = new
        {
            contractorId = dana, agencyId = agency, patient = new { name = "Jane Doe", mrn = "MRN-1001" }, visitDate = DaysAgo(3),
            discipline = "PT", visitType = "Routine", allowDuplicate = true, duplicateReason = "Second visit the same day after a fall",
        };
        var reply = (await Api.LogVisit(body)).ShouldBe(201);
        reply.Json["duplicateReason"]!.GetValue<string>().ShouldBe("Second visit the same day after a fall");
        (await Api.Get("/api/visits")).Json["total"]!.GetValue<long>().ShouldBe(2);
    }

    [Fact]
    public async Task after_a_void_the_same_visit_can_be_logged_again()
    {
        var (agency, dana) = await Placed();
        var first = (await Api.LogVisit(Visit(dana, agency, DaysAgo(3)))).ShouldBe(201);
        (await Api.Post($"/api/visits/{first.Id}/void", new { reason = "Logged against the wrong patient" })).ShouldBe(200);
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(3)))).ShouldBe(201);
    }

    [Fact]
    public async Task a_phone_retrying_with_the_same_idempotency_key_gets_the_first_visit_back()
    {
        var (agency, dana) = await Placed();
        var visit = Visit(dana, agency, DaysAgo(1));
        var first = (await Api.LogVisit(visit, role: "contractor", contractorId: dana, idempotencyKey: "phone-42")).ShouldBe(201);
        var retry = (await Api.LogVisit(visit, role: "contractor", contractorId: dana, idempotencyKey: "phone-42")).ShouldBe(201);
        retry.Id.ShouldBe(first.Id);
        (await Api.Get("/api/visits")).Json["total"]!.GetValue<long>().ShouldBe(1);
    }

    [Fact]
    public async Task identical_visits_sent_at_the_same_moment_store_one()
    {
        var (agency, dana) = await Placed();
        var visit = Visit(dana, agency, DaysAgo(1));
        var replies = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Api.LogVisit(visit)));
        replies.Count(r => r.Status == 201).ShouldBe(1);
        replies.Count(r => r.Status == 409).ShouldBe(5);
        (await Api.Get("/api/visits")).Json["total"]!.GetValue<long>().ShouldBe(1);
    }
}

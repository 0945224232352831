using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Visits;

public sealed class ViewingVisitTests(AppFixture app) : IntegrationTest(app)
{
    [Fact]
    public async Task staff_filter_visits_by_agency_contractor_dates_and_status_with_paging()
    {
        var sunrise = await Api.RegisteredAgency("Sunrise HH");
        var lakeside = await Api.RegisteredAgency("Lakeside HH");
        var dana = await Api.PlacedContractor(sunrise);
        await Api.Post($"/api/contractors/{dana}/agencies/{lakeside}");
        var sam = await Api.PlacedContractor(sunrise, "Sam Ortiz");

        await Api.LogVisit(Visit(dana, sunrise, DaysAgo(10)));
        await Api.LogVisit(Visit(dana, sunrise, DaysAgo(5)));
        await Api.LogVisit(Visit(dana, lakeside, DaysAgo(4)));
        var voided = (await Api.LogVisit(Visit(sam, sunrise, DaysAgo(3)))).Id;
        await Api.Post($"/api/visits/{voided}/void", new { reason = "duplicate paper" });

        async Task<long> Count(string query) => (await Api.Get($"/api/visits?{query}")).ShouldBe(200).Json["total"]!.GetValue<long>();
        (await Count("")).ShouldBe(4);
        (await Count($"agencyId={sunrise}")).ShouldBe(3);
        (await Count($"contractorId={dana}")).ShouldBe(3);
        (await Count($"contractorId={dana}&agencyId={lakeside}")).ShouldBe(1);
        (await Count($"from={DaysAgo(5)}")).ShouldBe(3);
        (await Count($"from={DaysAgo(5)}&to={DaysAgo(4)}")).ShouldBe(2);
        (await Count("status=voided")).ShouldBe(1);
        (await Count("status=open")).ShouldBe(3);
        (await Count("status=invoiced")).ShouldBe(0);

        var page = (await Api.Get("/api/visits?pageSize=3&page=2")).Json;
        page["items"]!.AsArray().Count.ShouldBe(1);
        page["items"]![0]!["visitDate"]!.GetValue<string>().ShouldBe(DaysAgo(10));

        (await Api.Get("/api/visits?status=lost")).ShouldBeProblem(400, "status");
        (await Api.Get("/api/visits?from=last-week")).ShouldBeProblem(400, "from");
    }

    [Fact]
    public async Task a_contractor_lists_only_their_own_visits()
    {
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        var sam = await Api.PlacedContractor(agency, "Sam Ortiz");
        await Api.LogVisit(Visit(dana, agency, DaysAgo(2)));
        await Api.LogVisit(Visit(sam, agency, DaysAgo(2)));

        var mine = (await Api.Get("/api/visits", role: "contractor", contractorId: dana)).Json;
        mine["total"]!.GetValue<long>().ShouldBe(1);
        mine["items"]![0]!["contractorId"]!.GetValue<string>().ShouldBe(dana.ToString());
        // Asking for someone else's visits returns none of them.
        (await Api.Get($"/api/visits?contractorId={sam}", role: "contractor", contractorId: dana)).Json["total"]!.GetValue<long>().ShouldBe(0);
    }

    [Theory]
    [InlineData("owner", true)]
    [InlineData("billing", true)]
    [InlineData("payroll", false)]
    [InlineData("compliance", false)]
    public async Task only_roles_that_need_it_see_patient_data(string role, bool seesPatient)
    {
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        var id = (await Api.LogVisit(Visit(dana, agency, DaysAgo(2), patientName: "Harriet Quill", mrn: "HQ-77", notes: "Stairs"))).Id;

        var one = (await Api.Get($"/api/visits/{id}", role: role)).ShouldBe(200);
        var list = (await Api.Get("/api/visits", role: role)).ShouldBe(200);
        foreach (var reply in new[] { one, list })
        {
            reply.Body.Contains("Harriet Quill").ShouldBe(seesPatient);
            reply.Body.Contains("HQ-77").ShouldBe(seesPatient);
            reply.Body.Contains("Stairs").ShouldBe(seesPatient);
        }
    }

    [Fact]
    public async Task every_read_of_patient_data_is_in_the_access_log()
    {
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        var id = (await Api.LogVisit(Visit(dana, agency, DaysAgo(2)))).Id;
        var before = TestClock.Instance.GetUtcNow().AddSeconds(-5);

        var clerk = await Api.Token("billing", sub: "clerk-9");
        (await Api.Send(HttpMethod.Get, $"/api/visits/{id}", null, clerk)).ShouldBe(200);
        (await Api.Send(HttpMethod.Get, "/api/visits", null, clerk)).ShouldBe(200);
        (await Api.Get($"/api/visits/{id}", role: "contractor", contractorId: dana)).ShouldBe(200);
        (await Api.Get($"/api/visits/{id}", role: "payroll")).ShouldBe(200); // sees no patient data: not logged

        var log = (await Api.Get($"/api/audit/access-log?from={Uri.EscapeDataString(before.ToString("O"))}", role: "compliance")).ShouldBe(200).Json;
        var entries = log["items"]!.AsArray();
        entries.Count.ShouldBe(3);
        entries.ShouldAllBe(e => e!["recordIds"]!.AsArray().Select(r => r!.GetValue<string>()).Contains(id.ToString()));
        entries.Select(e => e!["endpoint"]!.GetValue<string>()).ShouldBe(
            ["GET /api/visits/{id}", "GET /api/visits", "GET /api/visits/{id}"], ignoreOrder: true);
        entries.Select(e => e!["role"]!.GetValue<string>()).ShouldBe(["billing", "billing", "contractor"], ignoreOrder: true);

        var clerkOnly = (await Api.Get("/api/audit/access-log?userId=clerk-9", role: "owner")).Json;
        clerkOnly["total"]!.GetValue<long>().ShouldBe(2);
        (await Api.Get("/api/audit/access-log", role: "billing")).ShouldBeProblem(403);
        (await OtherTenant().Get("/api/audit/access-log", role: "compliance")).Json["total"]!.GetValue<long>().ShouldBe(0);
    }
}

using System.Net.Http.Headers;
using System.Text.Json;
using ContractTherapy.Audit;
using ContractTherapy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Audit;

public sealed class AuditTests(AppFixture app) : IntegrationTest(app)
{
    private async Task<(Guid Agency, Guid Dana, Guid Visit)> CorrectedVisit()
    {
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        var visit = (await Api.LogVisit(Visit(dana, agency, "2026-03-04", patientName: "Pat Secret", mrn: "PS-9"))).Id;
        (await Api.Put($"/api/visits/{visit}", new { visitType = "Evaluation", reason = "Was the evaluation" }, role: "billing")).ShouldBe(200);
        return (agency, dana, visit);
    }

    [Fact]
    public async Task a_streams_history_shows_who_did_what_when_and_why_with_patient_data_masked_for_compliance()
    {
        var (_, _, visit) = await CorrectedVisit();
        var history = (await Api.Get($"/api/audit/streams/{visit}", role: "compliance")).ShouldBe(200);
        var events = history.Json.AsArray();
        events.Select(e => e!["type"]!.GetValue<string>()).ShouldBe(["visit_logged", "visit_corrected"]);
        events[1]!["version"]!.GetValue<long>().ShouldBe(2);
        events[1]!["role"]!.GetValue<string>().ShouldBe("billing");
        events[1]!["user"]!.GetValue<string>().ShouldBe($"billing@{Api.Tenant}");
        events[1]!["reason"]!.GetValue<string>().ShouldBe("Was the evaluation");
        events[1]!["correlationId"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        events[0]!["sequence"]!.GetValue<long>().ShouldBeLessThan(events[1]!["sequence"]!.GetValue<long>());
        history.Body.ShouldNotContain("Pat Secret");
        history.Body.ShouldNotContain("enc:v1:");
        events[0]!["data"]!["patient"]!["name"]!.GetValue<string>().ShouldBe("***");

        var asOwner = (await Api.Get($"/api/audit/streams/{visit}", role: "owner", agencyId: null)).ShouldBe(200);
        asOwner.Body.ShouldContain("Pat Secret");
        var log = (await Api.Get("/api/audit/access-log", role: "compliance")).Json["items"]!.AsArray();
        log.ShouldContain(e => e!["endpoint"]!.GetValue<string>() == "GET /api/audit/streams/{id}" && e["role"]!.GetValue<string>() == "owner");

        (await Api.Get($"/api/audit/streams/{Guid.NewGuid()}", role: "compliance")).ShouldBeProblem(404);
        (await OtherTenant().Get($"/api/audit/streams/{visit}", role: "compliance")).ShouldBeProblem(404);
        (await Api.Get($"/api/audit/streams/{visit}", role: "billing")).ShouldBeProblem(403);
    }

    [Fact]
    public async Task a_contractors_tin_stays_masked_in_the_history_even_for_the_owner()
    {
        var dana = await Api.OnboardedContractor();
        await Api.Put($"/api/contractors/{dana}/w9", W9("987-65-4321"));
        var history = (await Api.Get($"/api/audit/streams/{dana}", role: "owner")).ShouldBe(200);
        history.Body.ShouldNotContain("987654321");
        history.Json.AsArray()[1]!["data"]!["encryptedTin"]!.GetValue<string>().ShouldBe("***");
    }

    [Fact]
    public async Task an_invoices_lineage_walks_from_the_number_to_the_close_and_the_visits()
    {
        await Api.CyclesFrom("2026-03-02");
        var agency = await Api.RegisteredAgency();
        await Api.SetBillRates(agency, "2026-01-01", Rate("PT", "Routine", 95m), Rate("PT", "Evaluation", 150m));
        var dana = await Api.PlacedContractor(agency);
        await Api.SetPayRates(dana, "2026-01-01", Rate("PT", "Routine", 70m), Rate("PT", "Evaluation", 110m));
        var visit = (await Api.LogVisit(Visit(dana, agency, "2026-03-04", noteSigned: false))).Id;
        await Api.Post($"/api/visits/{visit}/sign-note", null, role: "contractor", contractorId: dana);
        var closed = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).Json;
        var invoice = closed.Ids("invoices").Single();
        var stub = closed.Ids("payStubs").Single();

        var lineage = (await Api.Get($"/api/audit/documents/invoice/{invoice}/lineage", role: "compliance")).ShouldBe(200).Json;
        lineage["events"]!.AsArray().Select(e => e!["type"]!.GetValue<string>())
            .ShouldBe(["visit_logged", "visit_note_signed", "cycle_closed", "invoice_issued", "invoice_notice_sent"]);
        var stubLineage = (await Api.Get($"/api/audit/documents/paystub/{stub}/lineage", role: "compliance")).ShouldBe(200).Json;
        stubLineage["events"]!.AsArray().Select(e => e!["type"]!.GetValue<string>()).ShouldContain("pay_stub_issued");

        (await Api.Get($"/api/audit/documents/invoice/{Guid.NewGuid()}/lineage", role: "compliance")).ShouldBeProblem(404);
        (await Api.Get($"/api/audit/documents/receipt/{invoice}/lineage", role: "compliance")).ShouldBeProblem(400, "kind");
    }

    [Fact]
    public async Task a_1099_totals_lineage_lists_the_payments_of_the_year()
    {
        var dana = await Api.OnboardedContractor();
        var paid = (await Api.Post("/api/payments/manual", new { contractorId = dana, amount = 100m, paidOn = "2026-02-01", method = "ach", reference = "A1" },
            role: "payroll")).Id;
        await Api.Post("/api/payments/manual", new { contractorId = dana, amount = 50m, paidOn = "2025-12-01", method = "ach", reference = "A0" }, role: "payroll");
        await Api.ProjectionsCaughtUp();
        var lineage = (await Api.Get($"/api/audit/documents/1099/{dana}/lineage?year=2026", role: "compliance")).ShouldBe(200).Json;
        var e = lineage["events"]!.AsArray().ShouldHaveSingleItem()!;
        e["type"]!.GetValue<string>().ShouldBe("manual_payment_recorded");
        e["streamId"]!.GetValue<string>().ShouldBe(paid.ToString());
        (await Api.Get($"/api/audit/documents/1099/{dana}/lineage", role: "compliance")).ShouldBeProblem(400, "year");
    }

    [Fact]
    public async Task the_state_of_a_visit_contractor_rate_sheet_pay_stub_and_1099_total_as_of_a_past_moment()
    {
        var agency = await Api.RegisteredAgency();
        await Api.SetBillRates(agency, "2026-01-01", Rate("PT", "Routine", 95m));
        var dana = await Api.PlacedContractor(agency);
        var visit = (await Api.LogVisit(Visit(dana, agency, "2026-03-04"))).Id;
        await Api.Post("/api/payments/manual", new { contractorId = dana, amount = 100m, paidOn = "2026-02-01", method = "ach", reference = "A1" }, role: "payroll");
        await using (var session = App.Store.QuerySession(Api.Tenant))
        {
            // Wait out clock granularity between the two states.
            await Task.Delay(20);
        }
        var between = Uri.EscapeDataString(DateTimeOffset.UtcNow.ToString("O"));
        await Task.Delay(20);
        await Api.Put($"/api/visits/{visit}", new { visitType = "Evaluation", reason = "typo" }, role: "billing");
        await Api.Put($"/api/contractors/{dana}/w9", W9());
        await Api.SetBillRates(agency, "2026-01-01", Rate("PT", "Routine", 99m));
        await Api.Post("/api/payments/manual", new { contractorId = dana, amount = 50m, paidOn = "2026-02-02", method = "ach", reference = "A2" }, role: "payroll");

        (await Api.Get($"/api/visits/{visit}?asOf={between}")).Json["visitType"]!.GetValue<string>().ShouldBe("Routine");
        (await Api.Get($"/api/visits/{visit}")).Json["visitType"]!.GetValue<string>().ShouldBe("Evaluation");
        (await Api.Get($"/api/visits/{visit}?asOf=2020-01-01T00:00:00Z")).ShouldBeProblem(404);
        (await Api.Get($"/api/contractors/{dana}?asOf={between}")).Json["w9OnFile"]!.GetValue<bool>().ShouldBeFalse();
        (await Api.Get($"/api/agencies/{agency}/bill-rates?asOf=2026-03-04&knownAt={between}")).Json["rates"]![0]!["amount"]!.GetValue<decimal>()
            .ShouldBe(95m);
        (await Api.Get($"/api/agencies/{agency}/bill-rates?asOf=2026-03-04")).Json["rates"]![0]!["amount"]!.GetValue<decimal>().ShouldBe(99m);
        var total = (await Api.Get($"/api/tax/1099-nec/2026?asOf={between}", role: "accountant")).Json["contractors"]!.AsArray().Single()!;
        total["total"]!.GetValue<decimal>().ShouldBe(100m);
        (await Api.Get($"/api/visits/{visit}?asOf=soon")).ShouldBeProblem(400, "asOf");
    }

    [Fact]
    public async Task replaying_every_projection_from_the_events_gives_the_live_documents_demo_tenant_included()
    {
        using var http = App.Host.Server.CreateClient();
        // Seed and wait until every message the seeding caused (pay stubs, visits invoiced, earnings) is handled.
        await Api.AndWait(async () =>
        {
            await new ContractTherapy.Host.Demo.DemoData(http, TestClock.Instance).SeedAsync(CancellationToken.None);
            return new Reply(200, "", new Dictionary<string, string>());
        });

        await Api.ProjectionsCaughtUp();
        var body = (await Api.Post("/api/audit/replay", null, role: "compliance")).ShouldBe(200).Body;
        var report = JsonSerializer.Deserialize<ReplayReport>(body, JsonSerializerOptions.Web)!;
        report.Events.ShouldBeGreaterThan(300);
        // Every projected document type: the 18 compared before, and the contractors' placements (listed by nobody until now).
        report.Projections.Count.ShouldBe(19);
        report.Projections.Select(p => p.Name).ShouldContain("ContractorPlacements");
        foreach (var p in report.Projections)
            p.Identical.ShouldBeTrue($"{p.Name}: {JsonSerializer.Serialize(p.Differences)}");
        report.Projections.Single(p => p.Name == "Invoice").Documents.ShouldBeGreaterThan(0);
    }

    /// <summary>
    /// The comparison runs in PostgreSQL and only brings back what differs: a live document altered in the
    /// database is reported with the field path, one moved to another id is missing on both sides, and a stored
    /// field the document type does not have is no difference (the type reads and writes the document, as before).
    /// The live documents are put back afterwards (the other replay test compares the whole store).
    /// </summary>
    [Fact]
    public async Task replay_reports_each_altered_or_missing_live_document_with_its_field_paths()
    {
        var (agency, dana, altered) = await CorrectedVisit();
        var moved = (await Api.LogVisit(Visit(dana, agency, "2026-03-05", miles: 4.5m))).Id;
        var extra = (await Api.LogVisit(Visit(dana, agency, "2026-03-06", mrn: "MRN-EXTRA"))).Id;
        var elsewhere = Guid.NewGuid();
        await Api.ProjectionsCaughtUp();

        string original = "null";
        async Task Sql(string sql)
        {
            await using var connection = new NpgsqlConnection(App.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("t", Api.Tenant);
            command.Parameters.AddWithValue("altered", altered);
            command.Parameters.AddWithValue("moved", moved);
            command.Parameters.AddWithValue("extra", extra);
            command.Parameters.AddWithValue("elsewhere", elsewhere);
            command.Parameters.AddWithValue("original", NpgsqlTypes.NpgsqlDbType.Jsonb, original);
            if (await command.ExecuteScalarAsync() is string data) original = data;
        }

        await Sql("""
            select data::text from contracttherapy.mt_doc_visit where tenant_id = @t and id = @altered;
            update contracttherapy.mt_doc_visit set data = jsonb_set(data, '{miles}', '99') where tenant_id = @t and id = @altered;
            update contracttherapy.mt_doc_billablevisit set id = @elsewhere where tenant_id = @t and id = @moved;
            update contracttherapy.mt_doc_visit set data = data || '{"legacyField": 1}' where tenant_id = @t and id = @extra;
            """);
        try
        {
            var body = (await Api.Post("/api/audit/replay", null, role: "compliance")).ShouldBe(200).Body;
            var report = JsonSerializer.Deserialize<ReplayReport>(body, JsonSerializerOptions.Web)!;

            var visits = report.Projections.Single(p => p.Name == "Visit");
            visits.Identical.ShouldBeFalse();
            var different = visits.Differences.ShouldHaveSingleItem();
            (different.Tenant, different.Id, different.Kind).ShouldBe((Api.Tenant, altered.ToString(), "different"));
            different.Fields.ShouldNotBeNull().ShouldHaveSingleItem().ShouldBe("$.miles: 99 (live) vs null (replayed)");

            var billable = report.Projections.Single(p => p.Name == "BillableVisit");
            billable.Differences.Select(d => (d.Tenant, d.Id, d.Kind)).OrderBy(d => d.Kind).ShouldBe([
                (Api.Tenant, elsewhere.ToString(), "missing-in-replay"),
                (Api.Tenant, moved.ToString(), "missing-live"),
            ]);
            report.Projections.Where(p => p.Name is not ("Visit" or "BillableVisit")).ShouldAllBe(p => p.Identical);
        }
        finally
        {
            await Sql("""
                update contracttherapy.mt_doc_visit set data = data - 'legacyField' where tenant_id = @t and id = @extra;
                update contracttherapy.mt_doc_billablevisit set id = @moved where tenant_id = @t and id = @elsewhere;
                update contracttherapy.mt_doc_visit set data = @original where tenant_id = @t and id = @altered;
                """);
        }
    }

    /// <summary>
    /// The replay folds the stored events: an event altered in the database makes each document it produced differ
    /// from the live one, with the field (the visit and the Invoicing module's billable visit alike). Put back afterwards.
    /// </summary>
    [Fact]
    public async Task replay_reports_the_documents_of_an_event_altered_in_the_database()
    {
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        var visit = (await Api.LogVisit(Visit(dana, agency, "2026-03-05", miles: 4.5m))).Id;
        await Api.ProjectionsCaughtUp();

        async Task Miles(string miles)
        {
            await using var connection = new NpgsqlConnection(App.ConnectionString);
            await connection.OpenAsync();
            await using var update = new NpgsqlCommand(
                "update contracttherapy.mt_events set data = jsonb_set(data, '{miles}', @miles::jsonb) where stream_id = @s and version = 1 and tenant_id = @t",
                connection);
            update.Parameters.AddWithValue("miles", miles);
            update.Parameters.AddWithValue("s", visit);
            update.Parameters.AddWithValue("t", Api.Tenant);
            (await update.ExecuteNonQueryAsync()).ShouldBe(1);
        }

        await Miles("77");
        try
        {
            var body = (await Api.Post("/api/audit/replay", null, role: "compliance")).ShouldBe(200).Body;
            var report = JsonSerializer.Deserialize<ReplayReport>(body, JsonSerializerOptions.Web)!;
            foreach (var name in new[] { "Visit", "BillableVisit" })
            {
                var different = report.Projections.Single(p => p.Name == name).Differences.ShouldHaveSingleItem(name);
                (different.Tenant, different.Id, different.Kind).ShouldBe((Api.Tenant, visit.ToString(), "different"));
                different.Fields.ShouldNotBeNull().ShouldHaveSingleItem().ShouldBe("$.miles: 4.5 (live) vs 77 (replayed)");
            }
        }
        finally
        {
            await Miles("4.5");
        }
    }

    /// <summary>
    /// With room for one document in memory and pages of two events, nearly every document is compared before the events are done with it (a
    /// visit corrected after others were logged, a contractor placed again, ...): each one an event reaches after its
    /// comparison is folded again from its first event in a second pass, and only that comparison counts. The whole
    /// store replays identical that way, and a live document altered afterwards is still reported, once, with its field.
    /// </summary>
    [Fact]
    public async Task a_document_an_event_reaches_after_its_comparison_is_folded_again_from_its_first_event()
    {
        var (agency, dana, visit) = await CorrectedVisit();
        // Two visits logged between: whatever the pages, the corrected visit has left memory before its next correction.
        await Api.LogVisit(Visit(dana, agency, "2026-03-06"));
        await Api.LogVisit(Visit(dana, agency, "2026-03-07"));
        (await Api.Put($"/api/visits/{visit}", new { miles = 12m, reason = "Forgot the miles" }, role: "billing")).ShouldBe(200);
        await Api.ProjectionsCaughtUp();
        var replay = new ReplayService(App.Host.Services.GetRequiredService<StoreBlueprint>()) { InFlightLimit = 1, PageSize = 2 };

        var report = await replay.RunAsync(CancellationToken.None);
        foreach (var p in report.Projections)
            p.Identical.ShouldBeTrue($"{p.Name}: {JsonSerializer.Serialize(p.Differences)}");
        report.Projections.Single(p => p.Name == "Visit").FoldedAgain.ShouldBeGreaterThan(0, JsonSerializer.Serialize(report));
        report.Projections.Single(p => p.Name == "BillableVisit").FoldedAgain.ShouldBeGreaterThan(0);

        async Task<int> Sql(string sql)
        {
            await using var connection = new NpgsqlConnection(App.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("t", Api.Tenant);
            command.Parameters.AddWithValue("v", visit);
            return await command.ExecuteNonQueryAsync();
        }

        (await Sql("update contracttherapy.mt_doc_visit set data = jsonb_set(data, '{miles}', '99') where tenant_id = @t and id = @v")).ShouldBe(1);
        try
        {
            report = await replay.RunAsync(CancellationToken.None);
            var different = report.Projections.Single(p => p.Name == "Visit").Differences.ShouldHaveSingleItem();
            (different.Tenant, different.Id, different.Kind).ShouldBe((Api.Tenant, visit.ToString(), "different"));
            different.Fields.ShouldNotBeNull().ShouldHaveSingleItem().ShouldBe("$.miles: 99 (live) vs 12 (replayed)");
            report.Projections.Where(p => p.Name != "Visit").ShouldAllBe(p => p.Identical);
        }
        finally
        {
            await Sql("update contracttherapy.mt_doc_visit set data = jsonb_set(data, '{miles}', '12') where tenant_id = @t and id = @v");
        }
    }

    [Fact]
    public async Task the_hash_chain_detects_an_event_altered_in_the_database()
    {
        var (_, _, visit) = await CorrectedVisit();
        var verification = await ChainedVerification();
        verification["valid"]!.GetValue<bool>().ShouldBeTrue(verification.ToJsonString());
        verification["eventsVerified"]!.GetValue<long>().ShouldBeGreaterThan(3);

        long tampered;
        await using (var connection = new NpgsqlConnection(App.ConnectionString))
        {
            await connection.OpenAsync();
            await using var update = new NpgsqlCommand(
                "update contracttherapy.mt_events set data = jsonb_set(data, '{visitType}', '\"Discharge\"') " +
                "where stream_id = @s and version = 1 and tenant_id = @t returning seq_id", connection);
            update.Parameters.AddWithValue("s", visit);
            update.Parameters.AddWithValue("t", Api.Tenant);
            tampered = (long)(await update.ExecuteScalarAsync())!;
        }

        var after = (await Api.Get("/api/audit/verify", role: "compliance")).ShouldBe(200).Json;
        after["valid"]!.GetValue<bool>().ShouldBeFalse();
        after["brokenAt"]!["sequence"]!.GetValue<long>().ShouldBe(tampered);
        after["brokenAt"]!["streamId"]!.GetValue<string>().ShouldBe(visit.ToString());
    }

    /// <summary>The chain follows the events within moments (it is written by a subscription); wait until it has caught up.</summary>
    private async Task<System.Text.Json.Nodes.JsonNode> ChainedVerification()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var json = (await Api.Get("/api/audit/verify", role: "compliance")).ShouldBe(200).Json;
            if (json["pendingEvents"]!.GetValue<long>() == 0 || DateTime.UtcNow > deadline) return json;
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task the_export_streams_the_tenants_events_as_json_lines_without_patient_data()
    {
        var (_, _, visit) = await CorrectedVisit();
        using var client = App.Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await Api.Token("compliance"));
        var body = await client.GetStringAsync("/api/audit/export");
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var all = lines.Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!).ToList();
        all.Count(e => e["streamId"]!.GetValue<string>() == visit.ToString()).ShouldBe(2);
        all.Select(e => e["sequence"]!.GetValue<long>()).ShouldBeInOrder();
        body.ShouldNotContain("Pat Secret");
        body.ShouldNotContain("PS-9");
        (await OtherTenant().Get("/api/audit/export", role: "compliance")).Body.ShouldNotContain(visit.ToString());
    }

    [Fact]
    public async Task compliance_is_read_only_everywhere()
    {
        var (agency, dana, visit) = await CorrectedVisit();
        await Api.CyclesFrom("2026-03-02");
        var cycle = (await Api.CurrentCycle()).IdOf();
        var writes = new (HttpMethod Method, string Url, object? Body)[]
        {
            (HttpMethod.Post, "/api/agencies", new { name = "X", billingEmail = "x@y.example" }),
            (HttpMethod.Put, $"/api/agencies/{agency}/bill-rates", new { effectiveFrom = "2026-01-01", rates = new[] { Rate("PT", "Routine", 1m) } }),
            (HttpMethod.Post, "/api/contractors", new { legalName = "X", email = "x@y.example", disciplines = new[] { "PT" } }),
            (HttpMethod.Put, $"/api/contractors/{dana}/pay-rates", new { effectiveFrom = "2026-01-01", rates = new[] { Rate("PT", "Routine", 1m) } }),
            (HttpMethod.Post, $"/api/contractors/{dana}/deactivate", null),
            (HttpMethod.Post, "/api/visits", Visit(dana, agency, "2026-03-05")),
            (HttpMethod.Put, $"/api/visits/{visit}", new { miles = 1m, reason = "x" }),
            (HttpMethod.Post, $"/api/visits/{visit}/void", new { reason = "x" }),
            (HttpMethod.Post, $"/api/cycles/{cycle}/close", null),
            (HttpMethod.Post, $"/api/cycles/{cycle}/pay-run/approve", null),
            (HttpMethod.Post, "/api/payments/manual", new { contractorId = dana, amount = 1m, paidOn = "2026-02-01", method = "ach", reference = "x" }),
            (HttpMethod.Put, "/api/settings", new { billingCycle = new { frequency = "weekly", firstCycleStartsOn = "2026-03-02" }, requireSignedNote = true, timeZone = "UTC" }),
        };
        foreach (var (method, url, body) in writes)
            (await Api.As(method, url, body, "compliance", null, null)).Status.ShouldBe(403, $"{method} {url}");
    }
}

using System.Text.Json;
using ContractTherapy.Audit;
using ContractTherapy.Invoicing.Invoices;
using ContractTherapy.Tests.Infrastructure;
using Marten;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Cycles;

/// <summary>
/// The stored invoice document carries no lines (they are in its <see cref="InvoiceIssued"/>); every read of an
/// invoice still answers with all of them, whether the document was written before or after this change.
/// </summary>
public sealed class InvoiceLinesTests(AppFixture app) : IntegrationTest(app)
{
    private async Task<(Guid Agency, Guid Invoice)> InvoiceOfThreeVisits()
    {
        await Api.CyclesFrom("2026-03-02");
        var agency = await Api.RegisteredAgency("Sunrise HH");
        await Api.SetBillRates(agency, "2026-01-01", Rate("PT", "Routine", 95m));
        var dana = await Api.PlacedContractor(agency);
        await Api.SetPayRates(dana, "2026-01-01", Rate("PT", "Routine", 70m));
        foreach (var (day, name) in new[] { ("03", "Ann Able"), ("04", "Ben Baker"), ("05", "Cy Cole") })
            await Api.LogVisit(Visit(dana, agency, $"2026-03-{day}", patientName: name, mrn: name[..2]));
        var closed = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json;
        return (agency, Guid.Parse(closed["invoices"]!.AsArray().Single()!.GetValue<string>()));
    }

    private async Task<string> StoredDocument(Guid invoice)
    {
        await using var session = App.Store.QuerySession(Api.Tenant);
        return (await session.QueryAsync<string>("select data::text from contracttherapy.mt_doc_invoice where id = ?", invoice)).Single();
    }

    private async Task Sql(string sql, Guid invoice)
    {
        await using var session = App.Store.LightweightSession(Api.Tenant);
        session.QueueSqlCommand(sql, invoice);
        await session.SaveChangesAsync();
    }

    private static string[] Patients(Reply reply) =>
        reply.Json["lines"]!.AsArray().Select(l => l!["patientName"]!.GetValue<string>()).ToArray();

    [Fact]
    public async Task the_stored_invoice_has_no_lines_and_every_read_answers_with_all_of_them()
    {
        var (agency, invoice) = await InvoiceOfThreeVisits();
        var stored = JsonDocument.Parse(await StoredDocument(invoice)).RootElement;
        stored.TryGetProperty("lines", out _).ShouldBeFalse();
        stored.GetProperty("lineCount").GetInt32().ShouldBe(3);
        stored.GetProperty("total").GetDecimal().ShouldBe(285m);

        string[] all = ["Ann Able", "Ben Baker", "Cy Cole"];
        Patients((await Api.Get($"/api/invoices/{invoice}", role: "billing")).ShouldBe(200)).ShouldBe(all);
        // The agency's view appends InvoiceViewed and the document is written again: still no lines in it, all in the answer.
        Patients((await Api.Get($"/api/invoices/{invoice}", role: "agency", agencyId: agency)).ShouldBe(200)).ShouldBe(all);
        (await StoredDocument(invoice)).ShouldNotContain("\"lines\"");
        var listed = (await Api.Get($"/api/invoices?agencyId={agency}", role: "billing")).ShouldBe(200).Json["items"]!.AsArray().Single()!;
        listed["lines"]!.AsArray().Count.ShouldBe(3);
        listed = (await Api.Get($"/api/invoices?status=issued", role: "billing")).ShouldBe(200).Json["items"]!.AsArray().Single()!;
        listed["lines"]!.AsArray().Count.ShouldBe(3);
        var paid = (await Api.Post($"/api/invoices/{invoice}/payments", new { amount = 100m, receivedOn = "2026-03-20", reference = "ck 1" },
            role: "billing")).ShouldBe(200);
        Patients(paid).ShouldBe(all);
        paid.Json["amountPaid"]!.GetValue<decimal>().ShouldBe(100m);
        (await Api.Get($"/api/invoices/{invoice}/pdf", role: "billing")).ShouldBe(200);

        // The replay builds the same documents from the events.
        await Api.ProjectionsCaughtUp();
        var body = (await Api.Post("/api/audit/replay", null, role: "compliance")).ShouldBe(200).Body;
        var report = JsonSerializer.Deserialize<ReplayReport>(body, JsonSerializerOptions.Web)!;
        report.Projections.Single(p => p.Name == nameof(Invoice)).Differences.Where(d => d.Tenant == Api.Tenant).ShouldBeEmpty();
    }

    [Fact]
    public async Task an_invoice_stored_with_its_lines_before_the_change_reads_as_before()
    {
        var (_, invoice) = await InvoiceOfThreeVisits();
        // The document as it was stored until 2026-12-06: the lines in it, no lineCount. Put back as now written afterwards
        // (every replay in this database compares all tenants' documents).
        await Sql("""
            update contracttherapy.mt_doc_invoice as d
               set data = (d.data - 'lineCount') || jsonb_build_object('lines', e.data -> 'lines')
              from contracttherapy.mt_events as e
             where d.id = ? and e.stream_id = d.id and e.version = 1
            """, invoice);
        try
        {
            (await StoredDocument(invoice)).ShouldContain("\"lines\"");
            Patients((await Api.Get($"/api/invoices/{invoice}", role: "billing")).ShouldBe(200)).ShouldBe(["Ann Able", "Ben Baker", "Cy Cole"]);
            (await Api.Get($"/api/invoices?status=issued", role: "billing")).Json["items"]!.AsArray().Single()!["lines"]!.AsArray().Count.ShouldBe(3);
        }
        finally
        {
            await Sql("update contracttherapy.mt_doc_invoice set data = (data - 'lines') || '{\"lineCount\": 3}'::jsonb where id = ?", invoice);
        }
    }
    [Fact]
    public async Task the_stored_pay_stub_has_no_lines_and_every_read_answers_with_all_of_them()
    {
        await InvoiceOfThreeVisits();
        var stub = (await Api.Get("/api/paystubs", role: "payroll")).ShouldBe(200).Json["items"]!.AsArray().Single()!;
        var stubId = stub.IdOf();
        stub["lines"]!.AsArray().Select(l => l!["patientInitials"]!.GetValue<string>()).ShouldBe(["A.A.", "B.B.", "C.C."]);
        stub["total"]!.GetValue<decimal>().ShouldBe(210m);

        await using (var session = App.Store.QuerySession(Api.Tenant))
        {
            var stored = JsonDocument.Parse((await session.QueryAsync<string>(
                "select data::text from contracttherapy.mt_doc_paystub where id = ?", stubId)).Single()).RootElement;
            stored.TryGetProperty("lines", out _).ShouldBeFalse();
            stored.GetProperty("lineCount").GetInt32().ShouldBe(3);
            // The version recorded is the stub's own event in the pay run stream.
            var version = stored.GetProperty("issuedVersion").GetInt64();
            var events = await session.Events.FetchStreamAsync(stored.GetProperty("payRunId").GetGuid());
            ((ContractTherapy.Payroll.PayRuns.PayStubIssued)events.Single(e => e.Version == version).Data).PayStubId.ShouldBe(stubId);
        }
        var one = (await Api.Get($"/api/paystubs/{stubId}", role: "payroll")).ShouldBe(200).Json;
        one["lines"]!.AsArray().Count.ShouldBe(3);
        one["visitsTotal"]!.GetValue<decimal>().ShouldBe(210m);
        // The lineage names the visits from the stub's lines.
        (await Api.Get($"/api/audit/documents/paystub/{stubId}/lineage", role: "compliance")).ShouldBe(200).Json["events"]!.AsArray()
            .Count(e => e!["type"]!.GetValue<string>() == "visit_logged").ShouldBe(3);

        // A stub stored before the change (its lines in it, no lineCount or issuedVersion) reads as before.
        await Sql("""
            update contracttherapy.mt_doc_paystub as d
               set data = (d.data - 'lineCount' - 'issuedVersion') || jsonb_build_object('lines', e.data -> 'lines')
              from contracttherapy.mt_events as e
             where d.id = ? and e.stream_id = (d.data ->> 'payRunId')::uuid and e.data ->> 'payStubId' = d.id::text
            """, stubId);
        try
        {
            (await Api.Get($"/api/paystubs/{stubId}", role: "payroll")).ShouldBe(200).Json["lines"]!.AsArray().Count.ShouldBe(3);
        }
        finally
        {
            await Sql("""
                update contracttherapy.mt_doc_paystub as d
                   set data = (d.data - 'lines') || jsonb_build_object('lineCount', 3, 'issuedVersion', e.version)
                  from contracttherapy.mt_events as e
                 where d.id = ? and e.stream_id = (d.data ->> 'payRunId')::uuid and e.data ->> 'payStubId' = d.id::text
                """, stubId);
        }
    }
}

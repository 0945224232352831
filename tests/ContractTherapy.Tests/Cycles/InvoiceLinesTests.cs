using System.Text.Json;
using ContractTherapy.Audit;
using ContractTherapy.Invoicing.Invoices;
using ContractTherapy.Payroll.PayRuns;
using ContractTherapy.Tests.Infrastructure;
using Marten;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Cycles;

/// <summary>
/// The stored invoice and pay stub documents carry no lines (they are in <see cref="InvoiceIssued"/> and
/// <see cref="PayStubIssued"/>); every read still answers with all of them, and documents stored with their lines
/// before the change read right and are brought to the new shape at start (so the replay finds them identical).
/// </summary>
public sealed class InvoiceLinesTests(AppFixture app) : IntegrationTest(app)
{
    /// <summary>One agency; Ann, Ben and Cy seen by Dana, Dee seen by Lee: one invoice of four lines, two pay stubs.</summary>
    private async Task<(Guid Agency, Guid Invoice)> Closed()
    {
        await Api.CyclesFrom("2026-03-02");
        var agency = await Api.RegisteredAgency("Sunrise HH");
        await Api.SetBillRates(agency, "2026-01-01", Rate("PT", "Routine", 95m));
        var dana = await Api.PlacedContractor(agency, "Dana Kim");
        var lee = await Api.PlacedContractor(agency, "Lee Park");
        foreach (var c in new[] { dana, lee }) await Api.SetPayRates(c, "2026-01-01", Rate("PT", "Routine", 70m));
        foreach (var (who, day, name) in new[] { (dana, "03", "Ann Able"), (dana, "04", "Ben Baker"), (dana, "05", "Cy Cole"), (lee, "05", "Dee Dale") })
            await Api.LogVisit(Visit(who, agency, $"2026-03-{day}", patientName: name, mrn: name[..2]));
        var closed = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json;
        return (agency, Guid.Parse(closed["invoices"]!.AsArray().Single()!.GetValue<string>()));
    }

    private static string[] Patients(Reply reply) =>
        reply.Json["lines"]!.AsArray().Select(l => l!["patientName"]!.GetValue<string>()).ToArray();

    private static readonly string[] All = ["Ann Able", "Ben Baker", "Cy Cole", "Dee Dale"];

    /// <summary>The invoice's event and the close's, as stored: their first line.</summary>
    private async Task<(JsonElement Invoice, JsonElement Close)> FirstLines(Guid invoice)
    {
        await using var session = App.Store.QuerySession(Api.Tenant);
        var rows = await session.QueryAsync<string>(
            "select data -> 'lines' -> 0 from contracttherapy.mt_events where tenant_id = ? and ((type = 'invoice_issued' and stream_id = ?) or type = 'cycle_closed') order by type desc",
            Api.Tenant, invoice);
        return (JsonDocument.Parse(rows[0]).RootElement, JsonDocument.Parse(rows[1]).RootElement);
    }

    [Fact]
    public async Task an_invoices_event_carries_the_bill_side_of_its_lines_and_one_stored_with_the_whole_lines_reads_the_same()
    {
        var (agency, invoice) = await Closed();
        var (line, closeLine) = await FirstLines(invoice);
        string[] Keys(JsonElement e) => e.EnumerateObject().Select(p => p.Name).Order().ToArray();
        Keys(line).ShouldBe(["billAmount", "billRate", "billRateSetId", "contractorName", "discipline", "isReversal", "kind", "patient", "reason",
            "visitDate", "visitId", "visitType"]);
        Keys(line.GetProperty("patient")).ShouldBe(["mrn", "name"]);
        // The close's event keeps which visit, where billed and paid, the rates it resolved and their sets (CycleLine); the
        // rest of the invoice's side and the pay stub's are stored once.
        Keys(closeLine).ShouldBe(["agencyId", "billRate", "billRateSetId", "contractorId", "isReversal", "kind", "payRate", "payRateIsAgencyOverride",
            "payRateSetId", "visitId"]);

        async Task<List<string>> PdfLines() => ParsedPdf.Parse(await Pdf(invoice, "billing")).Lines.ToList();
        var before = (await Api.Get($"/api/invoices/{invoice}", role: "billing")).ShouldBe(200).Body;
        var pdf = await PdfLines();
        // Stored until 2026-12-07: the invoice's event with the close's whole lines for its agency, in the close's order
        // (each line of the invoice with the close's line and the pay stub's line of the same visit and direction: the
        // ids, the pay side, the agency's name, the patient's initials and MRN fingerprint).
        await Sql($"""
            update contracttherapy.mt_events as i
               set data = jsonb_set(i.data, array['lines'], (
                   select jsonb_agg(il.line || l.line || jsonb_build_object('agencyName', i.data -> 'agencyName', 'payRate', sl.line -> 'payRate',
                              'payAmount', sl.line -> 'amount', 'miles', sl.line -> 'miles', 'mileageRate', sl.line -> 'mileageRate',
                              'mileageAmount', sl.line -> 'mileageAmount', 'patient', (il.line -> 'patient')
                              || jsonb_build_object('initials', sl.line -> 'sealedPatientInitials', 'mrnFingerprint', 'fp'))
                          order by il.position)
                     from jsonb_array_elements(i.data -> 'lines') with ordinality as il(line, position)
                          join contracttherapy.mt_events as c
                            on c.tenant_id = i.tenant_id and c.type = 'cycle_closed' and c.stream_id = (i.data ->> 'cycleId')::uuid
                          cross join lateral jsonb_array_elements(c.data -> 'lines') as l(line)
                          join contracttherapy.mt_events as s
                            on s.tenant_id = i.tenant_id and s.type = 'pay_stub_issued' and s.data ->> 'cycleId' = i.data ->> 'cycleId'
                           and s.data ->> 'contractorId' = l.line ->> 'contractorId'
                          cross join lateral jsonb_array_elements(s.data -> 'lines') as sl(line)
                    where l.line ->> 'visitId' = il.line ->> 'visitId' and l.line ->> 'isReversal' = il.line ->> 'isReversal'
                      and sl.line ->> 'visitId' = il.line ->> 'visitId' and coalesce(sl.line ->> 'isReversal', 'false') = il.line ->> 'isReversal'))
             where i.tenant_id = '{Api.Tenant}' and i.type = 'invoice_issued'
            """);
        var whole = (await FirstLines(invoice)).Invoice;
        whole.GetProperty("payAmount").GetDecimal().ShouldBe(70m);
        whole.GetProperty("patient").GetProperty("initials").GetString().ShouldNotBeNull();
        (await Api.Get($"/api/invoices/{invoice}", role: "billing")).ShouldBe(200).Body.ShouldBe(before);
        (await PdfLines()).ShouldBe(pdf);
        (await Api.Get($"/api/invoices?agencyId={agency}", role: "billing")).ShouldBe(200).Json["items"]!.AsArray().Single()!["lines"]!
            .AsArray().Count.ShouldBe(4);
        (await Replayed("Invoice")).Differences.Where(d => d.Tenant == Api.Tenant).ShouldBeEmpty();
    }

    [Fact]
    public async Task an_agency_opening_its_invoice_and_its_pdf_at_once_gets_every_answer_and_every_view_recorded()
    {
        var (agency, invoice) = await Closed();
        for (var round = 0; round < 5; round++)
        {
            var reads = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => i % 2 == 0
                ? Api.Get($"/api/invoices/{invoice}", role: "agency", agencyId: agency)
                : Api.Get($"/api/invoices/{invoice}/pdf", role: "agency", agencyId: agency)));
            reads.Select(r => r.Status).ShouldAllBe(status => status == 200);
        }
        await using var session = App.Store.QuerySession(Api.Tenant);
        (await session.Events.FetchStreamAsync(invoice)).Count(e => e.Data is ContractTherapy.Invoicing.Invoices.InvoiceViewed).ShouldBe(30);
    }

    [Fact]
    public async Task the_stored_invoice_has_no_lines_and_every_read_answers_with_all_of_them()
    {
        var (agency, invoice) = await Closed();
        var stored = await Stored("mt_doc_invoice", invoice);
        stored.TryGetProperty("lines", out _).ShouldBeFalse();
        stored.GetProperty("lineCount").GetInt32().ShouldBe(4);
        stored.GetProperty("total").GetDecimal().ShouldBe(380m);

        Patients((await Api.Get($"/api/invoices/{invoice}", role: "billing")).ShouldBe(200)).Order().ShouldBe(All);
        // The agency's view appends InvoiceViewed and the document is written again: still no lines in it, all in the answer.
        Patients((await Api.Get($"/api/invoices/{invoice}", role: "agency", agencyId: agency)).ShouldBe(200)).Order().ShouldBe(All);
        (await Stored("mt_doc_invoice", invoice)).TryGetProperty("lines", out _).ShouldBeFalse();
        (await Api.Get($"/api/invoices?agencyId={agency}", role: "billing")).ShouldBe(200).Json["items"]!.AsArray().Single()!["lines"]!
            .AsArray().Count.ShouldBe(4);
        (await Api.Get("/api/invoices?status=issued", role: "billing")).ShouldBe(200).Json["items"]!.AsArray().Single()!["lines"]!
            .AsArray().Count.ShouldBe(4);
        var paid = (await Api.Post($"/api/invoices/{invoice}/payments", new { amount = 100m, receivedOn = "2026-03-20", reference = "ck 1" },
            role: "billing")).ShouldBe(200);
        Patients(paid).Order().ShouldBe(All);
        paid.Json["amountPaid"]!.GetValue<decimal>().ShouldBe(100m);
        (await Api.Get($"/api/invoices/{invoice}/pdf", role: "billing")).ShouldBe(200);

        (await Replayed(nameof(Invoice))).Differences.Where(d => d.Tenant == Api.Tenant).ShouldBeEmpty();
    }

    [Fact]
    public async Task each_stored_pay_stub_has_no_lines_and_the_version_of_its_own_event()
    {
        await Closed();
        var stubs = (await Api.Get("/api/paystubs", role: "payroll")).ShouldBe(200).Json["items"]!.AsArray()
            .ToDictionary(s => s!["contractorName"]!.GetValue<string>(), s => s!);
        stubs["Dana Kim"]!["lines"]!.AsArray().Select(l => l!["patientInitials"]!.GetValue<string>()).ShouldBe(["A.A.", "B.B.", "C.C."]);
        stubs["Lee Park"]!["lines"]!.AsArray().Select(l => l!["patientInitials"]!.GetValue<string>()).ShouldBe(["D.D."]);
        stubs["Dana Kim"]!["total"]!.GetValue<decimal>().ShouldBe(210m);

        var versions = new List<long>();
        await using (var session = App.Store.QuerySession(Api.Tenant))
            foreach (var stub in stubs.Values)
            {
                var id = stub!.IdOf();
                var stored = await Stored("mt_doc_paystub", id);
                stored.TryGetProperty("lines", out _).ShouldBeFalse();
                stored.GetProperty("lineCount").GetInt32().ShouldBe(stub["lines"]!.AsArray().Count);
                // The version recorded is the stub's own event in the pay run stream.
                var version = stored.GetProperty("issuedVersion").GetInt64();
                versions.Add(version);
                var events = await session.Events.FetchStreamAsync(stored.GetProperty("payRunId").GetGuid());
                ((PayStubIssued)events.Single(e => e.Version == version).Data).PayStubId.ShouldBe(id);
                (await Api.Get($"/api/paystubs/{id}", role: "payroll")).ShouldBe(200).Json["lines"]!.AsArray().Count
                    .ShouldBe(stub["lines"]!.AsArray().Count);
            }
        versions.Order().ShouldBe([1L, 2L]);
        // The lineage names the visits from the stub's lines.
        (await Api.Get($"/api/audit/documents/paystub/{stubs["Dana Kim"]!.IdOf()}/lineage", role: "compliance")).ShouldBe(200)
            .Json["events"]!.AsArray().Count(e => e!["type"]!.GetValue<string>() == "visit_logged").ShouldBe(3);
    }

    [Fact]
    public async Task documents_stored_with_their_lines_read_as_before_and_are_brought_to_the_new_shape_at_start()
    {
        var (_, invoice) = await Closed();
        var stubs = (await Api.Get("/api/paystubs", role: "payroll")).Json["items"]!.AsArray().Select(s => s!.IdOf()).ToList();
        // The documents as stored until 2026-12-06: their lines in them, no lineCount, no issuedVersion.
        await Sql($"""
            update contracttherapy.mt_doc_invoice as d
               set data = (d.data - 'lineCount') || jsonb_build_object('lines', e.data -> 'lines')
              from contracttherapy.mt_events as e
             where d.id = '{invoice}' and e.stream_id = d.id and e.version = 1
            """);
        await Sql($"""
            update contracttherapy.mt_doc_paystub as d
               set data = (d.data - 'lineCount' - 'issuedVersion') || jsonb_build_object('lines', e.data -> 'lines')
              from contracttherapy.mt_events as e
             where d.tenant_id = '{Api.Tenant}' and e.stream_id = (d.data ->> 'payRunId')::uuid and e.data ->> 'payStubId' = d.id::text
            """);
        var migrations = App.Store.Advanced.InitialDataCollection;
        try
        {
            (await Stored("mt_doc_invoice", invoice)).GetProperty("lines").GetArrayLength().ShouldBe(4);
            Patients((await Api.Get($"/api/invoices/{invoice}", role: "billing")).ShouldBe(200)).Order().ShouldBe(All);
            // Both stubs of the pay run in one list: the run's events read once, each stub its own lines.
            var listed = (await Api.Get("/api/paystubs", role: "payroll")).ShouldBe(200).Json["items"]!.AsArray();
            listed.Select(s => s!["lines"]!.AsArray().Count).Order().ShouldBe([1, 3]);
            (await Api.Get($"/api/paystubs/{stubs[0]}", role: "payroll")).ShouldBe(200);

            // What the host runs at start, after the schema (registered with the store): the new shape, run twice harmlessly.
            migrations.OfType<InvoiceDocumentsWithoutLines>().ShouldHaveSingleItem();
            migrations.OfType<PayStubDocumentsWithoutLines>().ShouldHaveSingleItem();
            for (var i = 0; i < 2; i++)
                foreach (var migration in migrations.Where(m => m is InvoiceDocumentsWithoutLines or PayStubDocumentsWithoutLines))
                    await migration.Populate(App.Store, CancellationToken.None);
            var doc = await Stored("mt_doc_invoice", invoice);
            doc.TryGetProperty("lines", out _).ShouldBeFalse();
            doc.GetProperty("lineCount").GetInt32().ShouldBe(4);
            foreach (var stub in stubs)
            {
                var stored = await Stored("mt_doc_paystub", stub);
                stored.TryGetProperty("lines", out _).ShouldBeFalse();
                stored.GetProperty("issuedVersion").GetInt64().ShouldBeGreaterThan(0);
            }
            (await Replayed(nameof(Invoice))).Differences.Where(d => d.Tenant == Api.Tenant).ShouldBeEmpty();
            (await Replayed(nameof(PayStub))).Differences.Where(d => d.Tenant == Api.Tenant).ShouldBeEmpty();
        }
        finally
        {
            // Every replay in this database compares all tenants' documents: none of the old shape may stay behind.
            foreach (var migration in migrations.Where(m => m is InvoiceDocumentsWithoutLines or PayStubDocumentsWithoutLines))
                await migration.Populate(App.Store, CancellationToken.None);
        }
    }
}

using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Cycles;

public sealed class InvoiceTests(AppFixture app) : IntegrationTest(app)
{
    private async Task<(Guid Sunrise, Guid Lakeside, Guid Dana, Guid SunriseInvoice, Guid LakesideInvoice, Guid CycleId)> TwoInvoices()
    {
        await Api.CyclesFrom("2026-03-02");
        var sunrise = await Api.RegisteredAgency("Sunrise HH");
        var lakeside = await Api.RegisteredAgency("Lakeside HH", paymentTermsDays: 45);
        foreach (var a in new[] { sunrise, lakeside }) await Api.SetBillRates(a, "2026-01-01", Rate("PT", "Routine", 95m));
        var dana = await Api.PlacedContractor(sunrise);
        await Api.Post($"/api/contractors/{dana}/agencies/{lakeside}");
        await Api.SetPayRates(dana, "2026-01-01", Rate("PT", "Routine", 70m));
        await Api.LogVisit(Visit(dana, sunrise, "2026-03-03", patientName: "Sunny Patient", mrn: "S-1"));
        await Api.LogVisit(Visit(dana, lakeside, "2026-03-04", patientName: "Lake Patient", mrn: "L-1"));
        var closed = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json;
        var invoices = (await Api.Get($"/api/invoices?cycleId={closed["cycleId"]!.GetValue<string>()}", role: "billing")).Json["items"]!.AsArray();
        Guid IdFor(Guid agency) => Guid.Parse(invoices.Single(i => i!["agencyId"]!.GetValue<string>() == agency.ToString())!["id"]!.GetValue<string>());
        return (sunrise, lakeside, dana, IdFor(sunrise), IdFor(lakeside), Guid.Parse(closed["cycleId"]!.GetValue<string>()));
    }

    [Fact]
    public async Task one_invoice_per_agency_with_its_own_payment_terms()
    {
        var (_, _, _, sunriseInvoice, lakesideInvoice, _) = await TwoInvoices();
        var lake = (await Api.Get($"/api/invoices/{lakesideInvoice}", role: "billing")).Json;
        DateOnly.Parse(lake["dueOn"]!.GetValue<string>()).ShouldBe(DateOnly.Parse(lake["issuedOn"]!.GetValue<string>()).AddDays(45));
        lake["lines"]!.AsArray().ShouldHaveSingleItem()!["patientName"]!.GetValue<string>().ShouldBe("Lake Patient");
        lake["status"]!.GetValue<string>().ShouldBe("issued");
        (await Api.Get($"/api/invoices/{sunriseInvoice}", role: "billing")).Json["periodStart"]!.GetValue<string>().ShouldBe("2026-03-02");
    }

    [Fact]
    public async Task an_agency_sees_only_its_own_invoices_and_each_view_is_recorded()
    {
        var (sunrise, _, _, sunriseInvoice, lakesideInvoice, _) = await TwoInvoices();

        var list = (await Api.Get("/api/invoices", role: "agency", agencyId: sunrise)).ShouldBe(200).Json;
        list["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ShouldBe([sunriseInvoice.ToString()]);
        var mine = (await Api.Get($"/api/invoices/{sunriseInvoice}", role: "agency", agencyId: sunrise)).ShouldBe(200);
        mine.Body.ShouldContain("Sunny Patient");
        mine.Body.ShouldNotContain("Lake Patient");
        (await Api.Get($"/api/invoices/{lakesideInvoice}", role: "agency", agencyId: sunrise)).ShouldBeProblem(404);
        (await Api.Post($"/api/invoices/{sunriseInvoice}/payments", new { amount = 1m, receivedOn = "2026-03-20", reference = "x" },
            role: "agency", agencyId: sunrise)).ShouldBeProblem(403);

        await using var session = App.Store.QuerySession(Api.Tenant);
        var events = await session.Events.FetchStreamAsync(sunriseInvoice);
        events.Select(e => e.EventTypeName).ShouldBe(["invoice_issued", "invoice_notice_sent", "invoice_viewed"]);
        events[2].UserName.ShouldBe($"agency@{Api.Tenant}");
    }

    [Fact]
    public async Task compliance_reads_invoices_without_patient_names()
    {
        var (_, _, _, sunriseInvoice, _, _) = await TwoInvoices();
        var reply = (await Api.Get($"/api/invoices/{sunriseInvoice}", role: "compliance")).ShouldBe(200);
        reply.Body.ShouldNotContain("Sunny Patient");
        reply.Json["total"]!.GetValue<decimal>().ShouldBe(95m);
    }

    [Fact]
    public async Task payments_received_move_the_invoice_from_issued_to_partially_paid_to_paid()
    {
        var (_, _, _, invoice, _, _) = await TwoInvoices();
        var partial = (await Api.Post($"/api/invoices/{invoice}/payments", new { amount = 40m, receivedOn = "2026-03-25", reference = "CHK 1001" },
            role: "billing")).ShouldBe(200).Json;
        partial["amountPaid"]!.GetValue<decimal>().ShouldBe(40m);
        partial["balance"]!.GetValue<decimal>().ShouldBe(55m);
        partial["status"]!.GetValue<string>().ShouldBe("partiallyPaid");

        (await Api.Post($"/api/invoices/{invoice}/payments", new { amount = 55.01m, receivedOn = "2026-03-26", reference = "CHK 1002" }, role: "billing"))
            .ShouldBeProblem(422);
        (await Api.Post($"/api/invoices/{invoice}/payments", new { amount = 5.001m, receivedOn = "2026-03-26", reference = "CHK" }, role: "billing"))
            .ShouldBeProblem(400, "amount");
        (await Api.Post($"/api/invoices/{invoice}/payments", new { amount = 55m, receivedOn = "2026-03-26", reference = "CHK 1002" }, role: "billing"))
            .ShouldBe(200).Json["status"]!.GetValue<string>().ShouldBe("paid");
        (await Api.Get("/api/invoices?status=paid", role: "billing")).Json["total"]!.GetValue<long>().ShouldBe(1);
    }

    [Fact]
    public async Task an_unpaid_invoice_past_its_due_date_is_overdue()
    {
        await Api.CyclesFrom("2026-03-02");
        var agency = await Api.RegisteredAgency("Prompt HH", paymentTermsDays: 0);
        await Api.SetBillRates(agency, "2026-01-01", Rate("PT", "Routine", 95m));
        var dana = await Api.PlacedContractor(agency);
        await Api.SetPayRates(dana, "2026-01-01", Rate("PT", "Routine", 70m));
        await Api.LogVisit(Visit(dana, agency, "2026-03-03"));
        var invoice = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).Json.Ids("invoices").Single();

        // Due today: not overdue yet. The stored issue date is compared with the tenant's today.
        var json = (await Api.Get($"/api/invoices/{invoice}", role: "billing")).Json;
        json["dueOn"]!.GetValue<string>().ShouldBe(json["issuedOn"]!.GetValue<string>());
        json["status"]!.GetValue<string>().ShouldBe("issued");
    }

    [Fact]
    public async Task an_invoice_as_of_a_past_moment_is_the_invoice_as_it_stood_then()
    {
        var (_, _, _, invoice, _, _) = await TwoInvoices();
        var afterIssue = DateTimeOffset.UtcNow;
        await Task.Yield();
        await Api.Post($"/api/invoices/{invoice}/payments", new { amount = 95m, receivedOn = "2026-03-25", reference = "ACH 7" }, role: "billing");

        (await Api.Get($"/api/invoices/{invoice}?asOf=2020-01-01T00:00:00Z", role: "billing")).ShouldBeProblem(404);
        var then = (await Api.Get($"/api/invoices/{invoice}?asOf={Uri.EscapeDataString(afterIssue.ToString("O"))}", role: "billing")).ShouldBe(200).Json;
        then["amountPaid"]!.GetValue<decimal>().ShouldBe(0m);
        (await Api.Get($"/api/invoices/{invoice}", role: "billing")).Json["amountPaid"]!.GetValue<decimal>().ShouldBe(95m);
        (await Api.Get($"/api/invoices/{invoice}?asOf=yesterday", role: "billing")).ShouldBeProblem(400, "asOf");
    }

    [Fact]
    public async Task a_contractor_sees_only_their_own_pay_stubs_with_patient_initials_only()
    {
        var (sunrise, _, dana, _, _, cycleId) = await TwoInvoices();
        var sam = await Api.PlacedContractor(sunrise, "Sam Ortiz");
        var stubs = (await Api.Get($"/api/paystubs?cycleId={cycleId}", role: "contractor", contractorId: dana)).ShouldBe(200).Json;
        var stub = stubs["items"]!.AsArray().ShouldHaveSingleItem()!;
        stub["total"]!.GetValue<decimal>().ShouldBe(140m);
        stub["lines"]!.AsArray().Select(l => l!["patientInitials"]!.GetValue<string>()).ShouldBe(["S.P.", "L.P."], ignoreOrder: true);
        stubs.ToJsonString().ShouldNotContain("Sunny Patient");
        stubs.ToJsonString().ShouldNotContain("Lake Patient");
        stubs.ToJsonString().ShouldNotContain("S-1");
        var id = stub["id"]!.GetValue<string>();
        (await Api.Get($"/api/paystubs/{id}", role: "contractor", contractorId: sam)).ShouldBeProblem(404);
        (await Api.Get("/api/paystubs", role: "contractor", contractorId: sam)).Json["total"]!.GetValue<long>().ShouldBe(0);
        (await Api.Get($"/api/paystubs/{id}", role: "billing")).ShouldBeProblem(403);
    }

    [Fact]
    public async Task the_stored_invoice_equals_one_rebuilt_from_its_events()
    {
        var (_, _, _, invoice, _, _) = await TwoInvoices();
        await Api.Post($"/api/invoices/{invoice}/payments", new { amount = 10m, receivedOn = "2026-03-25", reference = "ACH 8" }, role: "billing");
        await using var session = App.Store.QuerySession(Api.Tenant);
        var stored = await session.LoadAsync<ContractTherapy.Invoicing.Invoices.Invoice>(invoice);
        var rebuilt = await session.Events.AggregateStreamAsync<ContractTherapy.Invoicing.Invoices.Invoice>(invoice);
        System.Text.Json.JsonSerializer.Serialize(rebuilt).ShouldBe(System.Text.Json.JsonSerializer.Serialize(stored));
    }
}

public sealed class InvoicePdfTests(AppFixture app) : IntegrationTest(app)
{
    /// <summary>
    /// domain.md §5 through the real host, with names that need more than Latin-1. Set CT_SAVE_PDF to a
    /// folder to keep both PDFs (docs/invoice-worked-example.png is page 1 of the first, through pdftoppm).
    /// </summary>
    [Fact]
    public async Task the_worked_example_invoice_prints_the_letterhead_bill_to_every_line_and_the_total_with_names_exactly()
    {
        await Api.CyclesFrom("2026-03-02");
        (await Api.Put("/api/settings", new
        {
            billingCycle = new { frequency = "biweekly", firstCycleStartsOn = "2026-03-02" },
            requireSignedNote = true,
            timeZone = "America/New_York",
            payer = new
            {
                name = "Ødegaard & Nguyễn Therapy Staffing LLC", ein = "12-3456789",
                address = new { line1 = "100 State St", line2 = "Suite 4", city = "Albany", state = "NY", zip = "12207" },
                phone = "518-555-0199", email = "books@odegaard.example",
            },
        })).ShouldBe(200);
        var sunrise = (await Api.Post("/api/agencies", new
        {
            name = "Sunrise HH", billingEmail = "ap@sunrise.example",
            address = new { line1 = "9 Lake Rd", city = "Troy", state = "NY", zip = "12180" },
        })).ShouldBe(201).Id;
        await Api.SetBillRates(sunrise, "2026-01-01", Rate("PT", "Evaluation", 150.00m), Rate("PT", "Routine", 95.00m), Rate("PT", "Discharge", 110.00m));
        await Api.SetBillRates(sunrise, "2026-03-09", Rate("PT", "Evaluation", 150.00m), Rate("PT", "Routine", 100.00m), Rate("PT", "Discharge", 110.00m));
        var dana = await Api.PlacedContractor(sunrise, "Dana Kim", "PT");
        var lukasz = await Api.PlacedContractor(sunrise, "Łukasz Wójcik", "PT");
        foreach (var c in new[] { dana, lukasz })
            await Api.SetPayRates(c, "2026-01-01", Rate("PT", "Evaluation", 110.00m), Rate("PT", "Routine", 70.00m), Rate("PT", "Discharge", 80.00m));
        await Api.LogVisit(Visit(dana, sunrise, "2026-03-03", "Evaluation", patientName: "Nguyễn Thị Ánh", mrn: "NT-1"));
        await Api.LogVisit(Visit(dana, sunrise, "2026-03-05", "Routine", patientName: "Zoë Ødegaard", mrn: "ZO-2"));
        var tenth = (await Api.LogVisit(Visit(lukasz, sunrise, "2026-03-10", "Routine", patientName: "O'Brien-Saint Claire", mrn: "OB-3"))).Id;
        await Api.LogVisit(Visit(lukasz, sunrise, "2026-03-12", "Discharge", patientName: "Nguyễn Thị Ánh", mrn: "NT-1"));
        var invoiceId = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json.Ids("invoices").Single();
        var invoice = (await Api.Get($"/api/invoices/{invoiceId}", role: "billing")).Json;
        var number = invoice["number"]!.GetValue<string>();
        var issued = DateOnly.Parse(invoice["issuedOn"]!.GetValue<string>());
        var due = DateOnly.Parse(invoice["dueOn"]!.GetValue<string>());

        var bytes = await Pdf(invoiceId, "agency", sunrise);
        (await Api.Get($"/api/invoices/{invoiceId}/pdf", role: "agency", agencyId: Guid.NewGuid())).ShouldBeProblem(404);
        var pdf = ParsedPdf.Parse(bytes);
        pdf.PageCount.ShouldBe(1);
        pdf.Title.ShouldBe($"Invoice {number}");
        pdf.Subject.ShouldBe("Sunrise HH 2026-03-02..2026-03-15");
        pdf.Lines.Take(13).ShouldBe([
            "Ødegaard & Nguyễn Therapy Staffing LLC INVOICE",
            $"100 State St {number}",
            "Suite 4 Service period 03/02/2026 – 03/15/2026",
            $"Albany, NY 12207 Issue date {issued:MM/dd/yyyy}",
            $"518-555-0199 · books@odegaard.example Due date {due:MM/dd/yyyy} (net 30)",
            "BILL TO REMIT TO",
            "Sunrise HH Ødegaard & Nguyễn Therapy Staffing LLC",
            "9 Lake Rd 100 State St",
            "Troy, NY 12180 Suite 4",
            "ap@sunrise.example Albany, NY 12207",
            "518-555-0199",
            "books@odegaard.example",
            "Date Patient MRN Clinician Disc. Visit type Rate Amount",
        ]);
        pdf.Lines.Skip(13).Take(4).ShouldBe([
            "03/03/2026 Nguyễn Thị Ánh NT-1 Dana Kim PT Evaluation $150.00 $150.00",
            "03/05/2026 Zoë Ødegaard ZO-2 Dana Kim PT Routine $95.00 $95.00",
            "03/10/2026 O'Brien-Saint Claire OB-3 Łukasz Wójcik PT Routine $100.00 $100.00",
            "03/12/2026 Nguyễn Thị Ánh NT-1 Łukasz Wójcik PT Discharge $110.00 $110.00",
        ]);
        invoice["total"]!.GetValue<decimal>().ShouldBe(455.00m);
        pdf.Lines.ShouldContain("Total $455.00");
        pdf.Lines.ShouldContain("Balance due $455.00");
        pdf.Lines.ShouldContain($"Please remit $455.00 by {due:MM/dd/yyyy} to Ødegaard & Nguyễn Therapy Staffing LLC, quoting invoice {number}.");
        pdf.Lines.Last().ShouldBe($"{number} · Sunrise HH · please quote the invoice number with your payment Page 1 of 1");

        // Compliance may read the invoice but not the patients: the PDF leaves them out, as the JSON does.
        var forCompliance = ParsedPdf.Parse(await Pdf(invoiceId, "compliance"));
        forCompliance.Lines.ShouldContain("03/03/2026 Dana Kim PT Evaluation $150.00 $150.00");
        forCompliance.Text.ShouldNotContain("Nguyễn Thị");
        forCompliance.Text.ShouldNotContain("NT-1");

        // Next cycle: the 03-10 visit voided after the close is credited, a visit of 03-13 logged late is billed, both marked.
        (await Api.Post($"/api/visits/{tenth}/void", new { reason = "Visit did not take place" })).ShouldBe(200);
        await Api.LogVisit(Visit(dana, sunrise, "2026-03-13", "Routine", patientName: "Zoë Ødegaard", mrn: "ZO-2"));
        var nextId = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json.Ids("invoices").Single();
        var nextBytes = await Pdf(nextId, "billing");
        var next = ParsedPdf.Parse(nextBytes);
        next.Lines.ShouldContain("03/10/2026 O'Brien-Saint Claire OB-3 Łukasz Wójcik PT Routine $100.00 -$100.00");
        next.Lines.ShouldContain("↳ Adjustment (credit): Visit did not take place");
        next.Lines.ShouldContain("03/13/2026 Zoë Ødegaard ZO-2 Dana Kim PT Routine $100.00 $100.00");
        next.Lines.ShouldContain("↳ Late visit: dated in an earlier, already closed period");
        next.Lines.ShouldContain("Total $0.00");
        next.Lines.ShouldContain("Nothing is due on this invoice.");

        if (Environment.GetEnvironmentVariable("CT_SAVE_PDF") is { Length: > 0 } folder)
        {
            await File.WriteAllBytesAsync(Path.Combine(folder, "invoice-worked-example.pdf"), bytes);
            await File.WriteAllBytesAsync(Path.Combine(folder, "invoice-worked-example-next.pdf"), nextBytes);
        }
    }
}

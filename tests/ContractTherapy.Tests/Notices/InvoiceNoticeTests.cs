using System.Globalization;
using ContractTherapy.Invoicing.NotifyingAgencies;
using ContractTherapy.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Wolverine;
using Xunit.Abstractions;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Notices;

public sealed class InvoiceNoticeTests(AppFixture app, ITestOutputHelper output) : IntegrationTest(app), IAsyncLifetime
{
    private FakeSmtp Smtp => App.Smtp;

    public Task InitializeAsync()
    {
        Smtp.Reset();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Smtp.Reset();
        SmtpHost = "127.0.0.1";
        if (_down) await Smtp.ComeUpAsync();
    }

    private bool _down;

    private string? SmtpHost
    {
        set => App.Host.Services.GetRequiredService<IConfiguration>()["Mail:Smtp:Host"] = value;
    }

    // Addresses of this test's own, so that faults and counts concern its notices only.
    private string SunriseEmail => $"ap@sunrise-{Api.Tenant}.example";
    private string LakesideEmail => $"payables@lakeside-{Api.Tenant}.example";

    /// <summary>Two agencies with a visit each in the cycle of 2026-03-02, ready to close.</summary>
    private async Task<(Guid Sunrise, Guid Lakeside, Guid Cycle)> CycleWithTwoAgencies()
    {
        await Api.CyclesFrom("2026-03-02");
        var sunrise = (await Api.Post("/api/agencies", new { name = "Sunrise HH", billingEmail = SunriseEmail })).ShouldBe(201).Id;
        var lakeside = (await Api.Post("/api/agencies", new { name = "Lakeside HH", billingEmail = LakesideEmail, paymentTermsDays = 45 }))
            .ShouldBe(201).Id;
        await Api.SetBillRates(sunrise, "2026-01-01", Rate("PT", "Routine", 95m), Rate("PT", "Evaluation", 1250.5m));
        await Api.SetBillRates(lakeside, "2026-01-01", Rate("PT", "Routine", 90m));
        var dana = await Api.PlacedContractor(sunrise);
        await Api.Post($"/api/contractors/{dana}/agencies/{lakeside}");
        await Api.SetPayRates(dana, "2026-01-01", Rate("PT", "Routine", 70m), Rate("PT", "Evaluation", 110m));
        await Api.LogVisit(Visit(dana, sunrise, "2026-03-03", "Evaluation", patientName: "Sunny Patient", mrn: "MRN-SUNNY-77"));
        await Api.LogVisit(Visit(dana, sunrise, "2026-03-05", patientName: "Sunny Patient", mrn: "MRN-SUNNY-77"));
        await Api.LogVisit(Visit(dana, lakeside, "2026-03-04", patientName: "Lake Patient", mrn: "MRN-LAKE-42"));
        return (sunrise, lakeside, (await Api.CurrentCycle()).IdOf());
    }

    private async Task<Guid> InvoiceOf(Guid cycle, Guid agency)
    {
        var items = (await Api.Get($"/api/invoices?cycleId={cycle}&agencyId={agency}", role: "billing")).ShouldBe(200).Json["items"]!.AsArray();
        return items.ShouldHaveSingleItem()!.IdOf();
    }

    private async Task<IReadOnlyList<string>> InvoiceEvents(Guid invoice)
    {
        await using var session = App.Store.QuerySession(Api.Tenant);
        return (await session.Events.FetchStreamAsync(invoice)).Select(e => e.EventTypeName).ToList();
    }

    [Fact]
    public async Task closing_a_cycle_tells_each_agency_its_invoice_is_ready_without_patient_data()
    {
        var (sunrise, lakeside, cycle) = await CycleWithTwoAgencies();
        (await Api.CloseCycle(cycle)).ShouldBe(200);

        var us = CultureInfo.GetCultureInfo("en-US");
        foreach (var (agency, email, total) in new[] { (sunrise, SunriseEmail, "$1,345.50"), (lakeside, LakesideEmail, "$90.00") })
        {
            var id = await InvoiceOf(cycle, agency);
            var invoice = (await Api.Get($"/api/invoices/{id}", role: "billing")).Json;
            var number = invoice["number"]!.GetValue<string>();
            var due = DateOnly.Parse(invoice["dueOn"]!.GetValue<string>()).ToString("MMMM d, yyyy", us);

            var received = Smtp.MessagesFor(id).ShouldHaveSingleItem();
            output.WriteLine(received.Raw);
            var mail = received.Message;
            received.Recipients.ShouldBe([email]);
            mail.To.Mailboxes.Single().Address.ShouldBe(email);
            mail.From.Mailboxes.Single().Address.ShouldBe("billing@acme-therapy.example");
            mail.MessageId.ShouldBe($"invoice-{id:N}@acme-therapy.example");
            mail.Subject.ShouldContain(number);
            var text = mail.TextBody;
            text.ShouldContain(number);
            text.ShouldContain("March 2, 2026 to March 15, 2026");
            text.ShouldContain(total);
            text.ShouldContain(due);
            text.ShouldContain($"{AppFixture.PortalBaseUrl}/invoices/{id}");

            // Nothing of any patient, nor the PDF: the message is a single plain-text part.
            foreach (var phi in new[] { "Sunny Patient", "MRN-SUNNY-77", "Lake Patient", "MRN-LAKE-42", "Jane Doe" })
                received.Raw.ShouldNotContain(phi, Case.Insensitive);
            mail.Attachments.ShouldBeEmpty();
            mail.Body.ShouldBeOfType<TextPart>().IsPlain.ShouldBeTrue();

            (await InvoiceEvents(id)).ShouldBe(["invoice_issued", "invoice_notice_sent"]);
            var notice = invoice["notice"]!;
            notice["sent"]!.GetValue<bool>().ShouldBeTrue();
            notice["to"]!.GetValue<string>().ShouldBe(email);
            notice["messageId"]!.GetValue<string>().ShouldBe(mail.MessageId);
        }
        Smtp.Messages.Count(m => m.Recipients.Contains(SunriseEmail) || m.Recipients.Contains(LakesideEmail)).ShouldBe(2);
        (await Api.Post($"/api/invoices/{await InvoiceOf(cycle, sunrise)}/notice", null, role: "billing")).ShouldBeProblem(409);
    }

    [Theory]
    [InlineData(451)]
    [InlineData(554)]
    public async Task a_notice_the_server_refuses_at_first_is_retried_and_sent_once(int answer)
    {
        var (sunrise, lakeside, cycle) = await CycleWithTwoAgencies();
        Smtp.Answer(SunriseEmail, answer, answer);
        (await Api.CloseCycle(cycle)).ShouldBe(200);

        var invoice = await InvoiceOf(cycle, sunrise);
        Smtp.MessagesFor(invoice).Count.ShouldBe(1);
        Smtp.DataCommandsTo(SunriseEmail).ShouldBe(3);
        (await InvoiceEvents(invoice)).ShouldBe(["invoice_issued", "invoice_notice_sent"]);
        Smtp.MessagesFor(await InvoiceOf(cycle, lakeside)).Count.ShouldBe(1);
        Smtp.DataCommandsTo(LakesideEmail).ShouldBe(1);
    }

    [Fact]
    public async Task a_close_commits_while_the_mail_server_is_down_and_the_notice_follows_once_it_is_up()
    {
        var (sunrise, _, cycle) = await CycleWithTwoAgencies();
        await Smtp.GoDownAsync();
        _down = true;

        var closing = Api.CloseCycle(cycle);
        await Smtp.DroppedAConnection(within: TimeSpan.FromSeconds(20));
        // The close committed without the mail server: its invoices exist, their notices are pending.
        var invoice = await InvoiceOf(cycle, sunrise);
        (await InvoiceEvents(invoice)).ShouldBe(["invoice_issued"]);
        Smtp.MessagesFor(invoice).ShouldBeEmpty();

        await Smtp.ComeUpAsync();
        _down = false;
        (await closing).ShouldBe(200);
        Smtp.MessagesFor(invoice).Count.ShouldBe(1);
        Smtp.DataCommandsTo(SunriseEmail).ShouldBe(1);
        (await InvoiceEvents(invoice)).ShouldBe(["invoice_issued", "invoice_notice_sent"]);
    }

    [Fact]
    public async Task a_payment_recorded_while_the_notice_is_being_sent_neither_fails_nor_sends_the_notice_twice()
    {
        var (sunrise, _, cycle) = await CycleWithTwoAgencies();
        var hold = Smtp.HoldNext(SunriseEmail);
        var closing = Api.CloseCycle(cycle);
        await hold.Reached(within: TimeSpan.FromSeconds(20));

        // The server has the message but has not answered; meanwhile the agency's payment is recorded.
        var invoice = await InvoiceOf(cycle, sunrise);
        (await Api.Post($"/api/invoices/{invoice}/payments", new { amount = 100m, receivedOn = "2026-03-20", reference = "ACH 1" }, role: "billing"))
            .ShouldBe(200);
        hold.Release();
        (await closing).ShouldBe(200);

        Smtp.MessagesFor(invoice).Count.ShouldBe(1);
        Smtp.DataCommandsTo(SunriseEmail).ShouldBe(1);
        (await InvoiceEvents(invoice)).ShouldBe(["invoice_issued", "invoice_payment_received", "invoice_notice_sent"]);
        var after = (await Api.Get($"/api/invoices/{invoice}", role: "billing")).Json;
        after["amountPaid"]!.GetValue<decimal>().ShouldBe(100m);
        after["notice"]!["sent"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task without_an_smtp_server_the_notice_is_recorded_as_not_sent_and_can_be_sent_later_exactly_once()
    {
        var (sunrise, _, cycle) = await CycleWithTwoAgencies();
        SmtpHost = null;
        (await Api.CloseCycle(cycle)).ShouldBe(200);
        var invoice = await InvoiceOf(cycle, sunrise);
        Smtp.DataCommandsTo(SunriseEmail).ShouldBe(0);
        var notice = (await Api.Get($"/api/invoices/{invoice}", role: "billing")).Json["notice"]!;
        notice["sent"]!.GetValue<bool>().ShouldBeFalse();
        notice["notSentReason"]!.GetValue<string>().ShouldBe(InvoiceMailer.NotConfigured);
        (await InvoiceEvents(invoice)).ShouldBe(["invoice_issued", "invoice_notice_not_sent"]);

        // Configured again: the same message handled twice at once (a redelivery racing the
        // original) still sends one notice, and a later repeat sends nothing.
        SmtpHost = "127.0.0.1";
        using var scope = App.Host.Services.CreateScope();
        var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
        await Task.WhenAll(bus.InvokeForTenantAsync(Api.Tenant, new SendInvoiceNotice(invoice)),
            bus.InvokeForTenantAsync(Api.Tenant, new SendInvoiceNotice(invoice)));
        await bus.InvokeForTenantAsync(Api.Tenant, new SendInvoiceNotice(invoice));
        Smtp.MessagesFor(invoice).Count.ShouldBe(1);
        (await InvoiceEvents(invoice)).ShouldBe(["invoice_issued", "invoice_notice_not_sent", "invoice_notice_sent"]);

        // The other agency's notice is sent through the endpoint billing uses once mail is set up.
        var other = (await Api.Get($"/api/invoices?cycleId={cycle}", role: "billing")).Json["items"]!.AsArray()
            .Select(i => i!.IdOf()).Single(i => i != invoice);
        (await Api.Post($"/api/invoices/{other}/notice", null, role: "compliance")).ShouldBeProblem(403);
        (await Api.AndWait(() => Api.Post($"/api/invoices/{other}/notice", null, role: "billing"))).ShouldBe(202);
        Smtp.MessagesFor(other).Count.ShouldBe(1);
        (await Api.Post($"/api/invoices/{other}/notice", null, role: "billing")).ShouldBeProblem(409);
        (await Api.Post($"/api/invoices/{Guid.NewGuid()}/notice", null, role: "billing")).ShouldBeProblem(404);
    }
}

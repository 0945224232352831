using ContractTherapy.Invoicing.Invoices;
using ContractTherapy.Invoicing.NotifyingAgencies;
using Microsoft.Extensions.Configuration;
using MimeKit;

namespace ContractTherapy.Tests.Units;

public class InvoiceNoticeMailTests
{
    private static readonly MailboxAddress From = MailboxAddress.Parse("Acme Billing <billing@acme.example>");
    private static readonly MailboxAddress To = MailboxAddress.Parse("ap@sunrise.example");

    private static Invoice AnInvoice(Guid id, decimal total) => new(id, "INV-2026-000042", Guid.NewGuid(), "Sunrise HH", Guid.NewGuid(),
        new DateOnly(2026, 3, 2), new DateOnly(2026, 3, 15), new DateOnly(2026, 3, 16), new DateOnly(2026, 4, 15), total, 0m, 0);

    [Fact]
    public void every_attempt_at_one_invoice_carries_the_same_message_id_and_another_invoice_another()
    {
        var id = Guid.NewGuid();
        var first = InvoiceNoticeMail.Compose(AnInvoice(id, 95m), From, To, "https://portal.example", DateTimeOffset.UtcNow);
        var retry = InvoiceNoticeMail.Compose(AnInvoice(id, 95m), From, To, "https://portal.example", DateTimeOffset.UtcNow.AddHours(3));
        retry.MessageId.ShouldBe(first.MessageId);
        first.MessageId.ShouldBe($"invoice-{id:N}@acme.example");
        InvoiceNoticeMail.Compose(AnInvoice(Guid.NewGuid(), 95m), From, To, "https://portal.example", DateTimeOffset.UtcNow).MessageId
            .ShouldNotBe(first.MessageId);
    }

    [Fact]
    public void the_notice_states_number_period_total_due_date_and_link()
    {
        var id = Guid.NewGuid();
        var mail = InvoiceNoticeMail.Compose(AnInvoice(id, -1234.5m), From, To, "https://portal.example/", DateTimeOffset.UtcNow);
        mail.Subject.ShouldBe("Invoice INV-2026-000042 is ready: -$1,234.50 due April 15, 2026");
        mail.TextBody.ShouldContain("Period:   March 2, 2026 to March 15, 2026");
        mail.TextBody.ShouldContain("Total:    -$1,234.50");
        mail.TextBody.ShouldContain($"https://portal.example/invoices/{id}\n");
        mail.Headers["Auto-Submitted"].ShouldBe("auto-generated");
    }

    [Theory]
    [InlineData(null, "billing@acme.example", "https://portal.example", "Mail:Smtp:Host")]
    [InlineData("smtp.acme.example", null, "https://portal.example", "Mail:From")]
    [InlineData("smtp.acme.example", "not an address", "https://portal.example", "Mail:From")]
    [InlineData("smtp.acme.example", "billing@acme.example", null, "Portal:BaseUrl")]
    [InlineData("smtp.acme.example", "billing@acme.example", "portal.example/x", "Portal:BaseUrl")]
    [InlineData("smtp.acme.example", "billing@acme.example", "https://portal.example", null)]
    public void a_notice_cannot_be_sent_without_a_server_a_sender_and_a_portal(string? host, string? from, string? portal, string? missing)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mail:Smtp:Host"] = host, ["Mail:From"] = from, ["Portal:BaseUrl"] = portal,
        }).Build();
        var because = new InvoiceMailer(config).CannotSendBecause(out _, out _);
        if (missing is null) because.ShouldBeNull();
        else because.ShouldNotBeNull().ShouldContain(missing);
    }
}

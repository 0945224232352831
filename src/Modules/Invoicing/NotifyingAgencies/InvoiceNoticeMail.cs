using System.Globalization;
using ContractTherapy.Invoicing.Invoices;
using MimeKit;

namespace ContractTherapy.Invoicing.NotifyingAgencies;

/// <summary>
/// The notice an agency's billing address receives when its invoice is ready. It says only what a
/// payables clerk needs to find and schedule it (number, period, total, due date, the portal link):
/// invoice lines name patients, so they stay in the portal behind the agency's sign-in, and no PDF is attached.
/// </summary>
public static class InvoiceNoticeMail
{
    private static readonly CultureInfo Us = CultureInfo.GetCultureInfo("en-US");

    /// <summary>The same for every attempt at the same invoice, so a receiver can drop a repeat (RFC 5322 §3.6.4).</summary>
    public static string MessageIdFor(Guid invoiceId, MailboxAddress from) =>
        $"invoice-{invoiceId:N}@{(from.Domain is { Length: > 0 } d ? d : "contracttherapy.local")}";

    public static string PortalLink(string portalBaseUrl, Guid invoiceId) => $"{portalBaseUrl.TrimEnd('/')}/invoices/{invoiceId}";

    public static MimeMessage Compose(Invoice invoice, MailboxAddress from, MailboxAddress to, string portalBaseUrl, DateTimeOffset now)
    {
        var period = $"{invoice.PeriodStart.ToString("MMMM d, yyyy", Us)} to {invoice.PeriodEnd.ToString("MMMM d, yyyy", Us)}";
        var total = invoice.Total.ToString("C", Us);
        var due = invoice.DueOn.ToString("MMMM d, yyyy", Us);
        var link = PortalLink(portalBaseUrl, invoice.Id);

        var message = new MimeMessage
        {
            MessageId = MessageIdFor(invoice.Id, from),
            Date = now,
            Subject = $"Invoice {invoice.Number} is ready: {total} due {due}",
            Body = new TextPart("plain")
            {
                Text = $"""
                    Hello {invoice.AgencyName},

                    Invoice {invoice.Number} is ready in your portal.

                      Invoice:  {invoice.Number}
                      Period:   {period}
                      Total:    {total}
                      Due:      {due}

                    View or download it here:
                    {link}

                    This e-mail carries no visit or patient details and no attachment; they are in the
                    portal, behind your sign-in.
                    """.Replace("\r\n", "\n"),
            },
        };
        message.From.Add(from);
        message.To.Add(to);
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Headers.Add("X-ContractTherapy-Invoice", invoice.Id.ToString());
        return message;
    }
}

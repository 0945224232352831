using ContractTherapy.Invoicing.Billing;
using ContractTherapy.Invoicing.Invoices;
using Marten;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace ContractTherapy.Invoicing.NotifyingAgencies;

/// <summary>Tell the invoice's agency that it is ready. Sent by the close in its own transaction (outbox), one per invoice.</summary>
public sealed record SendInvoiceNotice(Guid InvoiceId);

/// <summary>
/// Sends the notice and records <see cref="InvoiceNoticeSent"/> on the invoice in the same handling.
/// Exactly once as far as this side can make it: handlings of one invoice take turns (an advisory
/// lock), and a handling that finds the notice recorded sends nothing. Once the server has the
/// message, the record must not fail on a concurrent write to the invoice (a payment, a view), or
/// the retry would send again: so it is appended under the stream's row lock, on a fresh read.
/// Left open: the node dies between the server's acceptance and the commit; the redelivery sends
/// again with the same Message-ID, which receivers may drop as a duplicate.
/// SMTP failures throw <see cref="NoticeDeliveryFailed"/>, retried with backoff (see InvoicingModule), never dropped.
/// </summary>
public static class SendInvoiceNoticeHandler
{
    public static async Task Handle(SendInvoiceNotice message, IDocumentSession session, InvoiceMailer mailer, TimeProvider clock,
        ILogger<SendInvoiceNotice> log, CancellationToken ct)
    {
        await session.BeginTransactionAsync(ct);
        await session.QueryAsync<int>("select 1 from pg_advisory_xact_lock(hashtext(?))", ct, $"contracttherapy:invoice-notice:{message.InvoiceId:N}");
        var invoice = await session.LoadAsync<Invoice>(message.InvoiceId, ct);
        if (invoice is null || invoice.Notice is { Sent: true }) return;

        var agency = await session.LoadAsync<AgencyTerms>(invoice.AgencyId, ct);
        var because = mailer.CannotSendBecause(out var from, out var portal);
        MailboxAddress? to = null;
        if (because is null && !MailboxAddress.TryParse(agency?.BillingEmail ?? "", out to))
            because = "The agency has no valid billing e-mail address on file.";
        if (because is not null)
        {
            log.LogWarning("Invoice {InvoiceId}: notice not sent. {Reason}", invoice.Id, because);
            if (invoice.Notice?.NotSentReason == because) return;
            (await session.Events.FetchForExclusiveWriting<Invoice>(invoice.Id, ct)).AppendOne(new InvoiceNoticeNotSent(invoice.Id, because));
            return;
        }

        var mail = InvoiceNoticeMail.Compose(invoice, from!, to!, portal!, clock.GetUtcNow());
        await mailer.SendAsync(mail, ct);
        var stream = await session.Events.FetchForExclusiveWriting<Invoice>(invoice.Id, ct);
        stream.AppendOne(new InvoiceNoticeSent(invoice.Id, mail.MessageId!, to!.Address));
        log.LogInformation("Invoice {InvoiceId}: notice {MessageId} sent.", invoice.Id, mail.MessageId);
    }
}

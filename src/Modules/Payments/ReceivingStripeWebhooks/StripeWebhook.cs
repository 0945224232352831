using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ContractTherapy.Payments.Payments;
using ContractTherapy.Payroll.Earnings;
using Marten;
using Wolverine.Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Wolverine.Http;

namespace ContractTherapy.Payments.ReceivingStripeWebhooks;

/// <summary>A Stripe event already handled, by its id (duplicates are acknowledged and ignored).</summary>
public sealed class ProcessedStripeEvent
{
    public string Id { get; set; } = "";
    public string Type { get; set; } = "";

    /// <summary>What the event did, in words, for whoever replays the history (for example why a reversal changed nothing).</summary>
    public string? Outcome { get; set; }
}

/// <summary>
/// <c>POST /api/webhooks/stripe</c>: no bearer token; the <c>Stripe-Signature</c> header
/// (HMAC-SHA256 of "{t}.{raw body}" with the webhook secret, timestamp within 5 minutes) is the
/// authentication. The tenant and payment come from the transfer's metadata, which we set.
/// <c>transfer.reversed</c> reverses the payment when the reversed transfer is the one that paid it (a 409 while its
/// send is not recorded yet, so that Stripe delivers it again); a reversal of any other transfer that names the
/// payment (a stray one: the payment was paid by hand, or by another transfer) is acknowledged, recorded with why,
/// and reverses nothing. Other event types are acknowledged and ignored.
/// </summary>
public static class StripeWebhookEndpoint
{
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    [WolverinePost("/api/webhooks/stripe"), AllowAnonymous, NotTenanted, Tags("Payments")]
    public static async Task<IResult> Post(HttpContext http, IDocumentStore store, IMartenOutbox outbox, IConfiguration config, TimeProvider clock,
        ILoggerFactory logs, CancellationToken ct)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(ct);
        var secret = config["Stripe:WebhookSecret"];
        if (string.IsNullOrEmpty(secret) || !SignatureValid(body, http.Request.Headers["Stripe-Signature"].ToString(), secret, clock.GetUtcNow()))
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid Stripe signature.",
                detail: "The Stripe-Signature header does not match the body, or its timestamp is outside the tolerance.");

        JsonElement root;
        try
        {
            root = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The event is not JSON.");
        }
        var eventId = root.GetProperty("id").GetString()!;
        var type = root.GetProperty("type").GetString()!;
        if (type != "transfer.reversed") return Results.Ok();

        var transfer = root.GetProperty("data").GetProperty("object");
        var transferId = transfer.TryGetProperty("id", out var tr) && tr.ValueKind == JsonValueKind.String ? tr.GetString() : null;
        var metadata = transfer.TryGetProperty("metadata", out var m) ? m : default;
        if (metadata.ValueKind != JsonValueKind.Object || !metadata.TryGetProperty("tenant", out var t) || !metadata.TryGetProperty("payment_id", out var p)
            || !Guid.TryParse(p.GetString(), out var paymentId))
            return Results.Ok();

        // A session enrolled in Wolverine's outbox: the reversal and the message to Payroll commit together.
        await using var session = store.LightweightSession(t.GetString()!);
        outbox.Enroll(session);
        if (await session.LoadAsync<ProcessedStripeEvent>(eventId, ct) is not null) return Results.Ok();

        var stream = await session.Events.FetchForWriting<Payment>(paymentId, ct);
        // A reversal can arrive before this host recorded the send (Stripe answered, the commit of
        // PaymentSent is still ahead, or a crash put it after a redelivery). Recording the event
        // as processed would lose the reversal for good. Decision: answer a retryable 409 and
        // record nothing; Stripe redelivers non-2xx answers (with backoff, for up to 3 days), and
        // a later delivery finds the payment sent. Keeping it "for later" would need a second
        // inbox with its own replay; Stripe's retries already are one.
        if (stream.Aggregate is { Status: PaymentStatus.Requested })
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The payment's send is not recorded yet.",
                detail: "The transfer's payment is still being sent; deliver the event again later.");

        var processed = new ProcessedStripeEvent { Id = eventId, Type = type };
        session.Insert(processed);
        session.LastModifiedBy = "stripe-webhook";
        session.SetHeader("role", "system");
        session.SetHeader("stripeEventId", eventId);
        switch (stream.Aggregate)
        {
            // Only the transfer that paid it: a payment paid by hand (after a send whose transfer was made but never
            // recorded) has no transfer, or another one, and the money it paid did not come back.
            case { Status: PaymentStatus.Sent, StripeTransferId: { } paidBy } payment when paidBy == transferId:
                stream.AppendOne(new PaymentReversed(payment.Id, payment.ContractorId, payment.Amount, payment.PaidOn!.Value, payment.Method,
                    "Stripe reversed the transfer."));
                await outbox.PublishAsync(new PaymentToContractor(payment.Id, payment.ContractorId, payment.Amount, payment.PaidOn!.Value, Reversed: true));
                processed.Outcome = $"Payment {payment.Id} reversed.";
                break;
            case { Status: PaymentStatus.Sent } payment:
                processed.Outcome = $"Transfer {transferId ?? "(none)"} did not pay payment {payment.Id} "
                    + (payment.StripeTransferId is null ? $"(paid by {payment.Method})" : $"(paid by transfer {payment.StripeTransferId})") + ": nothing reversed.";
                logs.CreateLogger(typeof(StripeWebhookEndpoint)).LogWarning(
                    "Stripe reversed transfer {TransferId}, whose metadata names payment {PaymentId}, paid by {PaidBy}: nothing reversed.",
                    transferId, payment.Id, payment.StripeTransferId ?? payment.Method);
                break;
            case { } payment:
                processed.Outcome = $"Payment {payment.Id} is {payment.Status.ToString().ToLowerInvariant()}: nothing reversed.";
                break;
            default:
                processed.Outcome = $"No payment {paymentId}: nothing reversed.";
                break;
        }
        await session.SaveChangesAsync(ct);
        return Results.Ok();
    }

    public static bool SignatureValid(string body, string header, string secret, DateTimeOffset now)
    {
        long? timestamp = null;
        var signatures = new List<string>();
        foreach (var part in header.Split(','))
        {
            var kv = part.Split('=', 2);
            if (kv.Length != 2) continue;
            if (kv[0] == "t" && long.TryParse(kv[1], out var ts)) timestamp = ts;
            else if (kv[0] == "v1") signatures.Add(kv[1]);
        }
        if (timestamp is null || signatures.Count == 0) return false;
        if ((now - DateTimeOffset.FromUnixTimeSeconds(timestamp.Value)).Duration() > Tolerance) return false;

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}"));
        return signatures.Any(s => s.Length == 64 && CryptographicOperations.FixedTimeEquals(Convert.FromHexString(s), expected));
    }
}

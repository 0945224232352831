using Microsoft.Extensions.Configuration;
using Stripe;

namespace ContractTherapy.Payments.SendingPayments;

/// <summary>A transfer that Stripe created (or had created for the same idempotency key before).</summary>
public sealed record TransferResult(string TransferId);

/// <summary>Stripe refused the transfer (a 4xx other than 409/429): nothing was created; retrying the same request cannot help.</summary>
public sealed class TransferRefused(string message) : Exception(message);

/// <summary>Stripe could not be reached or answered 409/429/5xx: the outcome is unknown or temporary, retry with the same key.</summary>
public sealed class TransferUncertain(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Stripe Connect transfers through Stripe.net. <c>Stripe:ApiBase</c> points it elsewhere (the
/// tests' fake Stripe); without <c>Stripe:ApiKey</c> it is not configured and payments are held.
/// Stripe.net's own retries are off: Wolverine retries the whole send with the same key.
/// </summary>
public sealed class StripeTransfers
{
    private readonly StripeClient? _client;

    public StripeTransfers(IConfiguration config)
    {
        var apiKey = config["Stripe:ApiKey"];
        if (string.IsNullOrWhiteSpace(apiKey)) return;
        var timeout = TimeSpan.FromSeconds(config.GetValue("Stripe:TimeoutSeconds", 30.0));
        var http = new SystemNetHttpClient(new HttpClient { Timeout = timeout }, maxNetworkRetries: 0, appInfo: null, enableTelemetry: false);
        _client = new StripeClient(apiKey, clientId: null, httpClient: http, apiBase: config["Stripe:ApiBase"] ?? StripeClient.DefaultApiBase);
    }

    public bool IsConfigured => _client is not null;

    public async Task<TransferResult> TransferAsync(string idempotencyKey, long amountCents, string destination, string transferGroup,
        IDictionary<string, string> metadata, CancellationToken ct)
    {
        if (_client is null) throw new TransferRefused("Stripe is not configured.");
        try
        {
            var transfer = await _client.V1.Transfers.CreateAsync(new TransferCreateOptions
            {
                Amount = amountCents,
                Currency = "usd",
                Destination = destination,
                TransferGroup = transferGroup,
                Metadata = new Dictionary<string, string>(metadata),
            }, new RequestOptions { IdempotencyKey = idempotencyKey }, ct);
            return new TransferResult(transfer.Id);
        }
        // A 4xx refusal created nothing, except idempotency_error: the key's first request (its destination since relinked,
        // say) may have made the transfer, so it is uncertain, retried with the same key, never failed and paid again.
        catch (StripeException e) when ((int)e.HttpStatusCode is >= 400 and < 500 and not 409 and not 429 && e.StripeError?.Type != "idempotency_error")
        {
            throw new TransferRefused(e.StripeError?.Message ?? e.Message);
        }
        catch (StripeException e)
        {
            throw new TransferUncertain($"Stripe answered {(int)e.HttpStatusCode}.", e);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new TransferUncertain("Stripe could not be reached or did not answer in time.", e);
        }
    }
}

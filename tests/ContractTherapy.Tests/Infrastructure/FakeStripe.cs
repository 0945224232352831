using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ContractTherapy.Tests.Infrastructure;

/// <summary>
/// A fake Stripe on loopback, faithful to Stripe's idempotency: the same key with the same
/// parameters gets the first response again; the same key with other parameters is a 400
/// <c>idempotency_error</c>; a request that never ran (an injected 500 or 429) saves nothing.
/// Faults are queued per test: 500s, 429s, a refusal, or a commit followed by a delay longer
/// than the client's timeout (Stripe did it, the client never heard). The chaos command adds a
/// <see cref="RandomFaults"/> source (asked when the queue is empty), connection resets, stalls
/// that commit nothing, a fixed port (a restarted host finds it again) and reversals.
/// </summary>
public sealed class FakeStripe : IAsyncDisposable
{
    public sealed record Transfer(string Id, long Amount, string Destination, string? TransferGroup, IReadOnlyDictionary<string, string> Metadata,
        string IdempotencyKey);

    public abstract record Fault;
    public sealed record ServerError : Fault;
    public sealed record RateLimited : Fault;
    public sealed record Refuse(string Message) : Fault;
    public sealed record CommitThenStall(TimeSpan Delay) : Fault;
    /// <summary>Holds the request before doing anything: the caller may be gone by the time it runs.</summary>
    public sealed record StallThenCommit(TimeSpan Delay) : Fault;
    /// <summary>Holds the request past the client's timeout, then drops it: nothing was created.</summary>
    public sealed record StallWithoutCommit(TimeSpan Delay) : Fault;
    /// <summary>Aborts the connection before doing anything (a reset): nothing was created.</summary>
    public sealed record ConnectionReset : Fault;
    /// <summary>Stripe's answer to a key reused with other parameters: 400 <c>idempotency_error</c> (a transfer may exist).</summary>
    public sealed record IdempotencyMismatch : Fault;

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (string Fingerprint, int Status, string Body)> _idempotent = new();
    private readonly ConcurrentQueue<Fault> _faults = new();
    private readonly ConcurrentBag<Transfer> _transfers = [];
    private readonly ConcurrentDictionary<string, Transfer> _reversed = new();
    private readonly ConcurrentDictionary<string, int> _faultCounts = new();
    private int _requests;

    /// <summary>Asked for a fault when none is queued (null: answer normally); must be thread-safe.</summary>
    public Func<Fault?>? RandomFaults { get; set; }

    /// <summary>How many of each fault were applied, by the fault's type name.</summary>
    public IReadOnlyDictionary<string, int> FaultCounts => _faultCounts;

    /// <summary>The transfers reversed through <see cref="Reverse"/>, by id.</summary>
    public IReadOnlyDictionary<string, Transfer> Reversed => _reversed;

    public string Url { get; private set; } = "";
    public const string ApiKey = "sk_test_fake";
    public const string WebhookSecret = "whsec_test_secret";

    public IReadOnlyCollection<Transfer> Transfers => _transfers;
    public int Requests => _requests;

    private FakeStripe(WebApplication app) => _app = app;

    /// <summary>Starts on <paramref name="port"/> (0: any free port).</summary>
    public static async Task<FakeStripe> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeStripe(app);
        app.MapPost("/v1/transfers", fake.CreateTransfer);
        await app.StartAsync();
        fake.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return fake;
    }

    public void Inject(params Fault[] faults)
    {
        foreach (var f in faults) _faults.Enqueue(f);
    }

    public void Reset()
    {
        _faults.Clear();
        _idempotent.Clear();
        _transfers.Clear();
        _reversed.Clear();
        _faultCounts.Clear();
        _requests = 0;
    }

    public IReadOnlyList<Transfer> TransfersFor(Guid paymentId) =>
        _transfers.Where(t => t.Metadata.TryGetValue("payment_id", out var p) && p == paymentId.ToString()).ToList();

    private async Task CreateTransfer(HttpContext http)
    {
        Interlocked.Increment(ref _requests);
        if (http.Request.Headers.Authorization.ToString() != $"Bearer {ApiKey}")
        {
            await Write(http, 401, Error("invalid_request_error", "Invalid API Key provided."));
            return;
        }
        var form = await http.Request.ReadFormAsync();
        var fingerprint = string.Join("&", form.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={f.Value}"));
        var key = http.Request.Headers["Idempotency-Key"].ToString();

        if (key.Length > 0 && _idempotent.TryGetValue(key, out var saved))
        {
            if (saved.Fingerprint != fingerprint)
                await Write(http, 400, Error("idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters they were first used with."));
            else
            {
                http.Response.Headers["Idempotent-Replayed"] = "true";
                await Write(http, saved.Status, saved.Body);
            }
            return;
        }

        if (!_faults.TryDequeue(out var fault)) fault = RandomFaults?.Invoke();
        if (fault is not null) _faultCounts.AddOrUpdate(fault.GetType().Name, 1, (_, n) => n + 1);
        if (fault is ConnectionReset)
        {
            http.Abort();
            return;
        }
        if (fault is StallWithoutCommit dropped)
        {
            await Task.Delay(dropped.Delay);
            http.Abort();
            return;
        }
        if (fault is StallThenCommit before)
        {
            await Task.Delay(before.Delay);
            if (_idempotent.TryGetValue(key, out var meanwhile))
            {
                await Write(http, meanwhile.Status, meanwhile.Body);
                return;
            }
        }
        switch (fault)
        {
            case ServerError:
                await Write(http, 500, Error("api_error", "An unknown error occurred."));
                return;
            case RateLimited:
                await Write(http, 429, Error("rate_limit_error", "Too many requests."));
                return;
            case IdempotencyMismatch:
                await Write(http, 400, Error("idempotency_error", "Keys for idempotent requests can only be used with the same parameters they were first used with."));
                return;
            case Refuse refuse:
                var refusal = Error("invalid_request_error", refuse.Message);
                if (key.Length > 0) _idempotent[key] = (fingerprint, 400, refusal);
                await Write(http, 400, refusal);
                return;
        }

        var metadata = form.Where(f => f.Key.StartsWith("metadata[")).ToDictionary(f => f.Key["metadata[".Length..^1], f => f.Value.ToString());
        var transfer = new Transfer($"tr_{Guid.NewGuid():N}"[..27], long.Parse(form["amount"]!), form["destination"]!, form["transfer_group"],
            metadata, key);
        var body = TransferJson(transfer, reversed: false);
        // Check and commit in one step, as Stripe does: two requests with one key racing here
        // make one transfer, the second gets the first's answer.
        if (key.Length > 0 && !_idempotent.TryAdd(key, (fingerprint, 200, body)))
        {
            var first = _idempotent[key];
            await Write(http, first.Fingerprint == fingerprint ? first.Status : 400, first.Fingerprint == fingerprint ? first.Body
                : Error("idempotency_error", "Keys for idempotent requests can only be used with the same parameters they were first used with."));
            return;
        }
        _transfers.Add(transfer);
        if (fault is CommitThenStall stall) await Task.Delay(stall.Delay);
        await Write(http, 200, body);
    }

    private static string TransferJson(Transfer transfer, bool reversed) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["id"] = transfer.Id, ["object"] = "transfer", ["amount"] = transfer.Amount, ["amount_reversed"] = reversed ? transfer.Amount : 0,
        ["currency"] = "usd", ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["destination"] = transfer.Destination, ["livemode"] = false,
        ["metadata"] = transfer.Metadata, ["reversed"] = reversed, ["transfer_group"] = transfer.TransferGroup,
        ["reversals"] = new { @object = "list", data = Array.Empty<object>(), has_more = false, url = $"/v1/transfers/{transfer.Id}/reversals" },
    });

    /// <summary>
    /// Reverses the transfer in full (as the Stripe dashboard or a dispute would) and returns the
    /// <c>transfer.reversed</c> event Stripe would deliver; the caller delivers it (signed with <see cref="Sign"/>).
    /// </summary>
    public string Reverse(Transfer transfer)
    {
        _reversed[transfer.Id] = transfer;
        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = $"evt_{Guid.NewGuid():N}"[..28], ["object"] = "event", ["type"] = "transfer.reversed", ["api_version"] = "2025-09-30.clover",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["livemode"] = false,
            ["data"] = new Dictionary<string, object> { ["object"] = JsonSerializer.Deserialize<JsonElement>(TransferJson(transfer, reversed: true)) },
        });
    }

    private static string Error(string type, string message) => JsonSerializer.Serialize(new { error = new { type, message } });

    private static async Task Write(HttpContext http, int status, string body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body);
    }

    /// <summary>A Stripe-Signature header for <paramref name="body"/>, as Stripe computes it.</summary>
    public static string Sign(string body, DateTimeOffset at, string secret = WebhookSecret)
    {
        var t = at.ToUnixTimeSeconds();
        var mac = System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret),
            System.Text.Encoding.UTF8.GetBytes($"{t}.{body}"));
        return $"t={t},v1={Convert.ToHexString(mac).ToLowerInvariant()}";
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

using System.Security.Cryptography;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Marten;
using JasperFx;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ContractTherapy.Shared.Idempotency;

/// <summary>
/// api.md: every write accepts an optional <c>Idempotency-Key</c>; a repeat with the same key
/// and body returns the first response and changes nothing. One mechanism for every endpoint:
/// <list type="bullet">
/// <item>the key is reserved (inserted, unique per tenant, method and path) before the endpoint runs,
/// so two concurrent requests with one key cannot both run: the second gets 409;</item>
/// <item>the same key with another body is refused with 422 (the key was reused for something else);</item>
/// <item>a final answer below 500 is remembered and replayed; a 5xx releases the key so the client may retry;</item>
/// <item>keys are remembered for <see cref="Retention"/>; a reservation whose request died is
/// released after <see cref="AbandonedAfter"/>.</item>
/// </list>
/// A crash (SIGKILL, OOM) between the endpoint's commit and the answer's record leaves a reservation
/// "in progress" with its work committed. Until it is abandoned a retry gets 409 with <c>Retry-After</c>
/// (the seconds until it may be taken over); after, the retry runs the endpoint again. Recording the
/// answer in the endpoint's own transaction would close that window for every endpoint, but costs each
/// endpoint its own code; instead an endpoint that must not run twice derives the id of what it creates
/// from the key (<see cref="DerivedId"/>), so the second run finds what the first committed and answers
/// it as the first answer would have been (POST /api/visits does: the hottest write gains no round
/// trip, the look-up rides in the batch it already sends). The chaos scenario "visits-crash" proves it.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next, IDocumentStore store, TimeProvider clock, FieldCipher cipher)
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(2);

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
            || !request.Headers.TryGetValue(Header, out var keys) || context.User.Identity?.IsAuthenticated != true)
        {
            await next(context);
            return;
        }

        var key = keys.ToString();
        // Printable ASCII, as the IETF draft's sf-string: a NUL reached PostgreSQL (which cannot store it) as a 500.
        if (key.Length is 0 or > 255 || key.Any(c => c is < ' ' or > '~'))
        {
            await WriteProblem(context, new Validation().Add(Header, "The Idempotency-Key header must be 1 to 255 printable ASCII characters.").ToProblem());
            return;
        }

        var caller = Caller.From(context.User);
        request.EnableBuffering();
        var fingerprint = await Fingerprint(request, context.RequestAborted);
        var id = $"{request.Method} {request.Path.Value} {key}";
        context.Items[DerivedIdItem] = Derive(caller.TenantId, id);

        await using var session = store.LightweightSession(caller.TenantId);
        var existing = await session.LoadAsync<IdempotentRequest>(id, context.RequestAborted);
        var now = clock.GetUtcNow();
        if (existing is not null && IsStale(existing, now))
        {
            session.Delete(existing);
            await session.SaveChangesAsync(context.RequestAborted);
            existing = null;
        }

        if (existing is null && !await TryReserve(caller.TenantId, id, fingerprint, now, context.RequestAborted))
            existing = await session.LoadAsync<IdempotentRequest>(id, context.RequestAborted);

        if (existing is not null)
        {
            await Answer(context, existing, fingerprint, caller.TenantId);
            return;
        }

        await RunAndRemember(context, id, fingerprint);
    }

    private const string DerivedIdItem = "ContractTherapy.Idempotency.DerivedId";

    /// <summary>
    /// A stable id for what this request creates, derived from its tenant, method, path and key
    /// (null without a key): the same on every retry with that key, so a retry after a crash finds the
    /// record the first attempt committed. A name-based UUID (version 8, SHA-256 as RFC 9562 shows).
    /// </summary>
    public static Guid? DerivedId(HttpContext context) => context.Items.TryGetValue(DerivedIdItem, out var id) ? (Guid)id! : null;

    private static Guid Derive(string tenant, string id)
    {
        var hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{tenant}\n{id}"));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // version 8
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>
    /// A first request that is still running usually ends within a second: retry soon. One older than a
    /// few seconds most likely died with its process: retry when its reservation may be taken over.
    /// </summary>
    private string RetryAfter(IdempotentRequest r)
    {
        var age = clock.GetUtcNow() - r.StartedAt;
        var seconds = age < TimeSpan.FromSeconds(5) ? 1 : Math.Ceiling((AbandonedAfter - age).TotalSeconds) + 1;
        return Math.Clamp(seconds, 1, AbandonedAfter.TotalSeconds + 1).ToString("0");
    }

    private bool IsStale(IdempotentRequest r, DateTimeOffset now) =>
        now - r.StartedAt > Retention || (!r.Completed && now - r.StartedAt > AbandonedAfter);

    private async Task<bool> TryReserve(string tenant, string id, string fingerprint, DateTimeOffset now, CancellationToken ct)
    {
        await using var session = store.LightweightSession(tenant);
        session.Insert(new IdempotentRequest { Id = id, Fingerprint = fingerprint, StartedAt = now });
        try
        {
            await session.SaveChangesAsync(ct);
            return true;
        }
        catch (DocumentAlreadyExistsException)
        {
            return false;
        }
    }

    private async Task Answer(HttpContext context, IdempotentRequest existing, string fingerprint, string tenant)
    {
        if (existing.Fingerprint != fingerprint)
        {
            await WriteProblem(context, Problems.KeyReused());
            return;
        }
        if (!existing.Completed)
        {
            await WriteProblem(context, new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "A request with this Idempotency-Key is still in progress.",
                Detail = "Retry after the first request has finished.",
                Type = "https://contracttherapy.dev/problems/idempotency-key-in-progress",
            }, RetryAfter(existing));
            return;
        }

        context.Response.StatusCode = existing.StatusCode;
        context.Response.Headers[ReplayedHeader] = "true";
        if (existing.ContentType is not null) context.Response.ContentType = existing.ContentType;
        if (existing.Location is not null) context.Response.Headers.Location = existing.Location;
        if (existing.EncryptedBody is not null)
            await context.Response.Body.WriteAsync(Convert.FromBase64String(cipher.Decrypt(tenant, existing.EncryptedBody)), context.RequestAborted);
    }

    private async Task RunAndRemember(HttpContext context, string id, string fingerprint)
    {
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        var tenant = Caller.From(context.User).TenantId;
        try
        {
            await next(context);
        }
        catch
        {
            // The endpoint's failure is what the client must hear about (a 503 when the database is
            // away), not the release's: a reservation that cannot be released is abandoned later.
            try { await Release(tenant, id); }
            catch (Exception releaseFailure) when (releaseFailure is not OperationCanceledException) { }
            throw;
        }
        finally
        {
            context.Response.Body = original;
        }

        // The answer is recorded before the client sees any of it: an answer a client received can
        // always be replayed (had the record come after, a crash between the two would lose it).
        await using (var session = store.LightweightSession(tenant))
        {
            if (context.Response.StatusCode >= 500)
            {
                session.Delete<IdempotentRequest>(id);
            }
            else
            {
                session.Store(new IdempotentRequest
                {
                    Id = id,
                    Fingerprint = fingerprint,
                    StartedAt = clock.GetUtcNow(),
                    Completed = true,
                    StatusCode = context.Response.StatusCode,
                    ContentType = context.Response.ContentType,
                    Location = context.Response.Headers.Location.ToString() is { Length: > 0 } l ? l : null,
                    EncryptedBody = buffer.Length == 0 ? null : cipher.Encrypt(tenant, Convert.ToBase64String(buffer.ToArray())),
                });
            }
            await session.SaveChangesAsync(CancellationToken.None);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    private async Task Release(string tenant, string id)
    {
        await using var session = store.LightweightSession(tenant);
        session.Delete<IdempotentRequest>(id);
        await session.SaveChangesAsync(CancellationToken.None);
    }

    private static async Task<string> Fingerprint(HttpRequest request, CancellationToken ct)
    {
        request.Body.Position = 0;
        var hash = await SHA256.HashDataAsync(request.Body, ct);
        request.Body.Position = 0;
        return Convert.ToHexString(hash);
    }

    private static Task WriteProblem(HttpContext context, ProblemDetails problem, string? retryAfter = null)
    {
        if (retryAfter is not null) context.Response.Headers.RetryAfter = retryAfter;
        return Results.Problem(problem).ExecuteAsync(context);
    }
}

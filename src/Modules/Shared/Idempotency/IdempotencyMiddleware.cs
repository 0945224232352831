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
            await WriteProblem(context, new ProblemDetails
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "Idempotency-Key reused with a different request.",
                Detail = "This Idempotency-Key was already used for a request with another body. Use a new key for a new request.",
                Type = "https://contracttherapy.dev/problems/idempotency-key-reused",
            });
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
            });
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
            await Release(tenant, id);
            throw;
        }
        finally
        {
            context.Response.Body = original;
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);

        await using var session = store.LightweightSession(tenant);
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

    private static Task WriteProblem(HttpContext context, ProblemDetails problem) =>
        Results.Problem(problem).ExecuteAsync(context);
}

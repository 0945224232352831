using System.Buffers;
using System.Text.Json;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ContractTherapy.Host.Infrastructure;

/// <summary>
/// A JSON body that is not JSON is answered 400 here, before the endpoint reads it, with problem details that say where
/// it broke and nothing of what it held. Wolverine's own answer put System.Text.Json's message in the response and in
/// an Error log entry, and for a bad literal (<c>{"tinType":nSSN,"tin":"987-65-4329",...}</c>) that message repeats
/// the rest of the body: TINs, patient names and MRNs reached the host's log. Only endpoints that bind a JSON body are
/// checked (the Stripe webhook reads its raw body and checks the signature first); the body is read from a rewindable
/// copy, so the endpoint (and the idempotency middleware's fingerprint) reads it whole afterwards. A body that is JSON but of
/// the wrong shape is still the endpoint's to refuse: those messages name the path and position only.
/// </summary>
public sealed class JsonBodySyntax(RequestDelegate next, IOptions<HttpJsonOptions> json)
{
    private const long MaxRented = 1 << 20;

    private readonly JsonReaderOptions _options = new()
    {
        AllowTrailingCommas = json.Value.SerializerOptions.AllowTrailingCommas,
        CommentHandling = json.Value.SerializerOptions.ReadCommentHandling,
        MaxDepth = json.Value.SerializerOptions.MaxDepth,
    };

    public async Task InvokeAsync(HttpContext http)
    {
        var request = http.Request;
        if (request.ContentLength == 0 || !BindsJsonBody(http) || !IsJson(request.ContentType))
        {
            await next(http);
            return;
        }

        // Read through a rewindable copy (what the idempotency middleware's fingerprint reads too): the body's pipe and its
        // stream are one buffer under Kestrel, but not under every server (the tests' in-memory one), so nothing is left
        // to chance about what the endpoint reads afterwards.
        request.EnableBuffering();
        var buffer = ArrayPool<byte>.Shared.Rent(request.ContentLength is > 0 and < MaxRented ? (int)request.ContentLength : 4096);
        (long Line, long Position)? error;
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), http.RequestAborted);
                if (read == 0) break;
                length += read;
            }
            error = length == 0 ? null : SyntaxError(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        request.Body.Position = 0;
        if (error is null)
        {
            await next(http);
            return;
        }

        var (line, position) = error.Value;
        await Results.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request body is not valid JSON.",
            Detail = $"The JSON breaks at line {line + 1}, byte {position + 1} of that line. Nothing was saved.",
            Type = "https://contracttherapy.dev/problems/validation",
            Extensions = { ["lineNumber"] = line, ["bytePositionInLine"] = position },
        }).ExecuteAsync(http);
    }

    /// <summary>Where the body stops being JSON (zero-based line and byte), or null when it is JSON.</summary>
    private (long Line, long Position)? SyntaxError(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, isFinalBlock: true, new JsonReaderState(_options));
        try
        {
            while (reader.Read())
            {
            }
            return null;
        }
        catch (JsonException e)
        {
            return (e.LineNumber ?? 0, e.BytePositionInLine ?? 0);
        }
    }

    /// <summary>Whether the endpoint binds its request type from a JSON body (Wolverine declares it as accepted metadata).</summary>
    private static bool BindsJsonBody(HttpContext http) =>
        http.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>() is { RequestType: not null } accepts
        && accepts.ContentTypes.Any(IsJson);

    /// <summary>The content types Wolverine reads as JSON (none given counts as JSON, as Wolverine takes it).</summary>
    private static bool IsJson(string? contentType) =>
        string.IsNullOrEmpty(contentType) || contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
        || contentType.StartsWith("text/json", StringComparison.OrdinalIgnoreCase) || contentType.Contains("+json", StringComparison.OrdinalIgnoreCase)
        || contentType.Contains("*/*", StringComparison.Ordinal);
}

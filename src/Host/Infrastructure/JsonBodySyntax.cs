using System.Buffers;
using System.Reflection;
using System.Text.Json;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Wolverine.Http;

namespace ContractTherapy.Host.Infrastructure;

/// <summary>
/// A JSON body that is not JSON, or that does not read as the endpoint's request type, is answered 400 here, before the
/// endpoint reads it, with problem details that say where it broke and nothing of what it held. Wolverine's own answer
/// put System.Text.Json's message in the response and in an Error log entry with its stack trace: for a bad literal
/// (<c>{"tinType":nSSN,"tin":"987-65-4329",...}</c>) that message repeats the rest of the body (TINs, patient names and
/// MRNs reached the host's log), and for a value of the wrong type (<c>{"contractorId":"x"}</c>) it names the product's
/// internal types, and a client's mistake was logged as the host's error. A value of the wrong type is a validation
/// problem naming the field and the type it takes (<see cref="JsonBodyShape"/>). Only endpoints that bind a JSON body
/// are checked (the Stripe webhook reads its raw body and checks the signature first); the endpoint (and the idempotency
/// middleware's fingerprint) reads the same bytes afterwards, so the body is read twice: a few microseconds against the
/// half millisecond of CPU a logged visit costs (ops/bench/README.md). Values of the right type that break a rule (an
/// unknown discipline, a negative amount) are still the endpoint's to refuse.
/// </summary>
public sealed class JsonBodySyntax(RequestDelegate next, IOptions<HttpJsonOptions> json)
{
    private const long MaxPresized = 1 << 20;

    private readonly JsonReaderOptions _options = new()
    {
        AllowTrailingCommas = json.Value.SerializerOptions.AllowTrailingCommas,
        CommentHandling = json.Value.SerializerOptions.ReadCommentHandling,
        MaxDepth = json.Value.SerializerOptions.MaxDepth,
    };

    private readonly JsonSerializerOptions _serializer = json.Value.SerializerOptions;

    public async Task InvokeAsync(HttpContext http)
    {
        var request = http.Request;
        if (http.GetEndpoint() is not { } endpoint || RequestType(endpoint) is not { } requestType || !IsJson(request.ContentType))
        {
            await next(http);
            return;
        }
        if (request.ContentLength == 0)
        {
            await NoBody(http, requestType);
            return;
        }

        // The body is read once into a pooled buffer, checked, and given to the endpoint (and the idempotency middleware's
        // fingerprint) as a stream over that buffer. Not examined in place through the body's pipe: its pipe and its stream
        // are one buffer under Kestrel, but not under every server (the tests' in-memory one). Not through EnableBuffering
        // either, which copies the body a second time and keeps one over 30 kB in a temporary file (patient data on disk).
        var body = new PooledBody(request.ContentLength is > 0 and <= MaxPresized ? (int)request.ContentLength : 4096);
        http.Response.RegisterForDispose(body);
        try
        {
            await body.ReadAllAsync(request.Body, http.RequestAborted);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException and not BadHttpRequestException)
        {
            return; // the client went away: nobody to answer (a body over the size limit is the exception handler's 400)
        }
        request.Body = body.AsStream();
        if (body.Length == 0)
        {
            await NoBody(http, requestType);
            return;
        }
        if (Problem(body.Bytes, requestType) is { } problem)
        {
            await Results.Problem(problem).ExecuteAsync(http);
            return;
        }
        await next(http);
    }

    /// <summary>
    /// No body where the endpoint binds one: a 400 saying so, unless the endpoint takes its body as optional (a nullable
    /// parameter, which Wolverine binds as null). Wolverine's own answer was "Invalid JSON format" with System.Text.Json's
    /// message ("The input does not contain any JSON tokens...").
    /// </summary>
    private Task NoBody(HttpContext http, Type requestType)
    {
        var parameter = http.GetEndpoint()?.Metadata.GetMetadata<HttpChain>()?.Method.Method.GetParameters()
            .FirstOrDefault(p => p.ParameterType == requestType);
        if (parameter is not null && new NullabilityInfoContext().Create(parameter).ReadState == NullabilityState.Nullable)
            return next(http);
        return Results.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request body is empty.",
            Detail = "Send a JSON object of the shape the API reference documents for this endpoint. Nothing was saved.",
            Type = "https://contracttherapy.dev/problems/validation",
        }).ExecuteAsync(http);
    }

    /// <summary>The 400 for a body that is not JSON or does not read as <paramref name="requestType"/>, or null.</summary>
    private ProblemDetails? Problem(ReadOnlySpan<byte> body, Type requestType)
    {
        // A leading byte-order mark, which System.Text.Json's stream reading skips (some Windows clients send one).
        if (body.StartsWith("\uFEFF"u8)) body = body[3..];
        // Reading the body as the request type reads its syntax too; only a body that fails is read again to tell which.
        if (JsonBodyShape.Problem(body, _serializer.GetTypeInfo(requestType)) is not { } shape) return null;
        if (NotUtf8At(body) is { } offset)
        {
            return new ProblemDetails
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The request body is not valid UTF-8.",
                Detail = $"Byte {offset + 1} of the body does not begin a UTF-8 character. Send the JSON encoded as UTF-8. Nothing was saved.",
                Type = "https://contracttherapy.dev/problems/validation",
                Extensions = { ["byteOffset"] = offset },
            };
        }
        if (SyntaxError(body) is not { } error) return shape;
        var (line, position) = error;
        return new ProblemDetails
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request body is not valid JSON.",
            Detail = $"The JSON breaks at line {line + 1}, byte {position + 1} of that line. Nothing was saved.",
            Type = "https://contracttherapy.dev/problems/validation",
            Extensions = { ["lineNumber"] = line, ["bytePositionInLine"] = position },
        };
    }

    /// <summary>
    /// The zero-based offset of the first byte that is not UTF-8 (a Latin-1 client's "é", a truncated character), or
    /// null. The JSON reader does not check the text inside strings, so without this such a body was refused as a value
    /// of the wrong type ("'name' must be a string"), which sends its sender looking in the wrong place.
    /// </summary>
    private static int? NotUtf8At(ReadOnlySpan<byte> body)
    {
        if (System.Text.Unicode.Utf8.IsValid(body)) return null;
        for (var i = 0; i < body.Length;)
        {
            if (System.Text.Rune.DecodeFromUtf8(body[i..], out _, out var consumed) != OperationStatus.Done) return i;
            i += consumed;
        }
        return null;
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

    /// <summary>The type the endpoint binds from a JSON body (Wolverine declares it as accepted metadata), or null.</summary>
    internal static Type? RequestType(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<IAcceptsMetadata>() is { RequestType: { } type } accepts && accepts.ContentTypes.Any(IsJson)
            ? type
            : null;

    /// <summary>The content types Wolverine reads as JSON (none given counts as JSON, as Wolverine takes it).</summary>
    internal static bool IsJson(string? contentType) =>
        string.IsNullOrEmpty(contentType) || contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
        || contentType.StartsWith("text/json", StringComparison.OrdinalIgnoreCase) || contentType.Contains("+json", StringComparison.OrdinalIgnoreCase)
        || contentType.Contains("*/*", StringComparison.Ordinal);
}

/// <summary>A request body read whole into a pooled buffer, returned to the pool when the request ends.</summary>
internal sealed class PooledBody(int capacity) : IDisposable
{
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 256));

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, Length);

    public async Task ReadAllAsync(Stream source, CancellationToken ct)
    {
        while (true)
        {
            if (Length == _buffer!.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
                _buffer.AsSpan(0, Length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }
            var read = await source.ReadAsync(_buffer.AsMemory(Length), ct);
            if (read == 0) return;
            Length += read;
        }
    }

    public Stream AsStream() => new MemoryStream(_buffer!, 0, Length, writable: false);

    public void Dispose()
    {
        if (_buffer is { } buffer) ArrayPool<byte>.Shared.Return(buffer);
        _buffer = null;
    }
}

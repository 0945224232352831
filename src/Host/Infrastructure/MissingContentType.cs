using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Template;

namespace ContractTherapy.Host.Infrastructure;

/// <summary>
/// A write to an endpoint that reads a JSON body, sent with no <c>Content-Type</c> at all or with one that is not JSON
/// (<c>text/plain</c>, a form), is answered 415 saying so. What it met before depended on the host and the type: with no
/// type and the web app built (ops/run.sh), routing gave it to the app's fallback and it was answered 404 "Not Found" for
/// a path the API reference lists, and without the app Wolverine read the body as JSON; with a type that is not JSON,
/// routing's content-type check left the endpoint out and it was a 404 either way. One answer now, whichever endpoint
/// routing chose: the API's writes say what they read.
/// </summary>
public sealed class MissingContentType(RequestDelegate next, EndpointDataSource endpoints)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var request = http.Request;
        if (request.Path.StartsWithSegments("/api") && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method)
            && Refused(http, request) is { } title)
        {
            await Results.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = StatusCodes.Status415UnsupportedMediaType,
                Title = title,
                Detail = "This endpoint reads a JSON body: send it with 'Content-Type: application/json'. Nothing was saved.",
                Type = "https://contracttherapy.dev/problems/validation",
            }).ExecuteAsync(http);
            return;
        }
        await next(http);
    }

    /// <summary>The 415's title for a write whose body a JSON endpoint would not read, or null to let it through.</summary>
    private string? Refused(HttpContext http, HttpRequest request)
    {
        var apiEndpoint = http.GetEndpoint() is { } endpoint && endpoint.Metadata.GetMetadata<Wolverine.Http.HttpChain>() is not null ? endpoint : null;
        if (string.IsNullOrEmpty(request.ContentType))
            return (apiEndpoint is not null ? ReadsJson(apiEndpoint) : ReadsJsonAt(request.Method, request.Path)) ? "The request has no Content-Type." : null;
        // A type routing matched to an API endpoint is that endpoint's to read (the Stripe webhook's raw body); one it
        // matched to none, or to the web app's fallback, is refused when a JSON endpoint answers the method and path.
        return apiEndpoint is null && !JsonBodySyntax.IsJson(request.ContentType) && ReadsJsonAt(request.Method, request.Path)
            ? "The request's Content-Type is not JSON."
            : null;
    }

    private static bool ReadsJson(Endpoint endpoint) => JsonBodySyntax.RequestType(endpoint) is not null;

    /// <summary>
    /// Whether an endpoint that reads a JSON body answers this method at this path (route constraints aside), for a
    /// request routing gave to no endpoint or to the web app's fallback (which it does when the app is built).
    /// </summary>
    private bool ReadsJsonAt(string method, PathString path) =>
        JsonRoutes().Any(r => r.Methods.Contains(method, StringComparer.OrdinalIgnoreCase) && r.Matcher.TryMatch(path, new RouteValueDictionary()));

    private (IReadOnlyList<string> Methods, TemplateMatcher Matcher)[]? _jsonRoutes;

    /// <summary>The JSON endpoints' methods and route templates, parsed once (the endpoints are fixed once the host runs).</summary>
    private (IReadOnlyList<string> Methods, TemplateMatcher Matcher)[] JsonRoutes() => _jsonRoutes ??= endpoints.Endpoints.OfType<RouteEndpoint>()
        .Where(e => ReadsJson(e) && e.RoutePattern.RawText is not null && e.Metadata.GetMetadata<IHttpMethodMetadata>() is not null)
        .Select(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods,
            new TemplateMatcher(TemplateParser.Parse(e.RoutePattern.RawText!), new RouteValueDictionary())))
        .ToArray();
}

/// <summary>
/// The API reference lists the 415 on every operation that reads a JSON body: sent without a <c>Content-Type</c> or
/// with one that is not JSON, the body is refused with a problem (<see cref="MissingContentType"/>), and a client
/// generated from the document should expect it.
/// </summary>
internal sealed class MissingContentTypeDocumented : Microsoft.AspNetCore.OpenApi.IOpenApiDocumentTransformer
{
    public Task TransformAsync(Microsoft.OpenApi.OpenApiDocument document, Microsoft.AspNetCore.OpenApi.OpenApiDocumentTransformerContext context,
        CancellationToken cancellationToken)
    {
        DocumentedProblems.Add(document, "415",
            "Unsupported Media Type: the body was sent without 'Content-Type: application/json'. Nothing was saved.",
            operation => operation.RequestBody?.Content?.Keys.Any(k => k.Contains("json", StringComparison.OrdinalIgnoreCase)) == true);
        return Task.CompletedTask;
    }
}

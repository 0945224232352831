using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Template;

namespace ContractTherapy.Host.Infrastructure;

/// <summary>
/// A write to an endpoint that reads a JSON body, sent with no <c>Content-Type</c> at all, is answered 415 saying so.
/// ASP.NET Core's content-type matching leaves such a request with no endpoint, and it was answered 404 "Not Found"
/// for a path the API reference lists: a client that forgot the header (a bare <c>HttpClient</c> content, a script)
/// was told the endpoint does not exist. Only requests routing found no API endpoint for are examined.
/// </summary>
public sealed class MissingContentType(RequestDelegate next, EndpointDataSource endpoints)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var request = http.Request;
        if (string.IsNullOrEmpty(request.ContentType) && (http.GetEndpoint() is not { } endpoint || endpoint.Metadata.GetMetadata<IAcceptsMetadata>() is null)
            && request.Path.StartsWithSegments("/api") && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method)
            && ReadsJsonAt(request.Method, request.Path))
        {
            await Results.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = StatusCodes.Status415UnsupportedMediaType,
                Title = "The request has no Content-Type.",
                Detail = "This endpoint reads a JSON body: send it with 'Content-Type: application/json'. Nothing was saved.",
                Type = "https://contracttherapy.dev/problems/validation",
            }).ExecuteAsync(http);
            return;
        }
        await next(http);
    }

    /// <summary>Whether an endpoint that accepts a JSON body answers this method at this path (route constraints aside).</summary>
    private bool ReadsJsonAt(string method, PathString path) =>
        endpoints.Endpoints.OfType<RouteEndpoint>().Any(e =>
            e.Metadata.GetMetadata<IAcceptsMetadata>() is { } accepts && accepts.ContentTypes.Any(t => t.Contains("json", StringComparison.OrdinalIgnoreCase))
            && e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(method, StringComparer.OrdinalIgnoreCase) == true
            && e.RoutePattern.RawText is { } template
            && new TemplateMatcher(TemplateParser.Parse(template), new RouteValueDictionary()).TryMatch(path, new RouteValueDictionary()));
}

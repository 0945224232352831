using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace ContractTherapy.Host.Web;

/// <summary>
/// Serves the web app (src/Web, built by Vite) at <c>/</c> when its build output exists:
/// <c>Web:Root</c>, else <c>src/Web/dist</c> beside the host's project. Without a build the host
/// serves the API only, as the integration tests run it. Paths the app does not own (the API,
/// development tokens, the OpenAPI document and reference, health) never fall back to the app.
/// </summary>
public static class WebApp
{
    private static readonly string[] NotTheApp = ["/api/", "/dev/", "/openapi/", "/docs", "/health/"];

    public static string? Root(WebApplication app)
    {
        var configured = app.Configuration["Web:Root"];
        var root = configured is { Length: > 0 }
            ? Path.GetFullPath(configured, app.Environment.ContentRootPath)
            : Path.GetFullPath(Path.Combine(app.Environment.ContentRootPath, "..", "Web", "dist"));
        return File.Exists(Path.Combine(root, "index.html")) ? root : null;
    }

    /// <summary>Static files of the app: hashed assets are cached for good, index.html never.</summary>
    public static void UseWebApp(this WebApplication app)
    {
        if (Root(app) is not { } root) return;
        var files = new PhysicalFileProvider(root);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files, OnPrepareResponse = Cache });
    }

    /// <summary>
    /// Any other GET of a path without a file extension (/visits, /cycles/...) answers index.html,
    /// which routes it in the browser; paths the app does not own stay 404 problems.
    /// </summary>
    public static void MapWebAppFallback(this WebApplication app)
    {
        if (Root(app) is not { } root) return;
        var index = Path.Combine(root, "index.html");
        app.MapFallback("{*path:nonfile}", (HttpContext http) =>
            {
                var path = http.Request.Path.Value ?? "/";
                if (!(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
                    || NotTheApp.Any(p => path.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
                    return Results.NotFound();
                http.Response.Headers[HeaderNames.CacheControl] = "no-cache";
                return Results.File(index, "text/html; charset=utf-8");
            })
            .AllowAnonymous().ExcludeFromDescription();
    }

    private static void Cache(StaticFileResponseContext context)
    {
        var immutable = context.Context.Request.Path.StartsWithSegments("/assets");
        context.Context.Response.Headers[HeaderNames.CacheControl] = immutable ? "public, max-age=31536000, immutable" : "no-cache";
    }
}

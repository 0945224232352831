using Microsoft.AspNetCore.Http;
using ContractTherapy.Shared.Http;

namespace ContractTherapy.Host.Infrastructure;

/// <summary>
/// A query parameter holding U+0000 (<c>?userId=a%00b</c>) is answered 400 before any endpoint runs: PostgreSQL cannot
/// compare or store the character in text, so a filter made of it failed with a 500 (the chaos fuzzer's seed 1552014719,
/// <c>GET /api/audit/access-log</c>). JSON bodies are refused the same character by <c>NoNulStrings</c>.
/// </summary>
public sealed class NulInQuery(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext http)
    {
        foreach (var (name, values) in http.Request.Query)
            if (values.Any(v => v?.Contains('\0') == true))
            {
                var problem = new Validation().Add(name, $"The query parameter '{name}' contains a NUL character (U+0000), which no field can hold.");
                await Results.Problem(problem.ToProblem()).ExecuteAsync(http);
                return;
            }
        await next(http);
    }
}

/// <summary>
/// The OpenAPI document lists that 400 on every operation, with the problem details it carries: <see cref="NulInQuery"/>
/// answers it before any endpoint runs, so no endpoint's own metadata says so (clients generated from the document, and
/// the fuzzer, would otherwise meet an undocumented status).
/// </summary>
internal sealed class NulInQueryDocumented : Microsoft.AspNetCore.OpenApi.IOpenApiDocumentTransformer
{
    public Task TransformAsync(Microsoft.OpenApi.OpenApiDocument document, Microsoft.AspNetCore.OpenApi.OpenApiDocumentTransformerContext context,
        CancellationToken cancellationToken)
    {
        DocumentedProblems.Add(document, "400", "Bad Request", _ => true);
        return Task.CompletedTask;
    }
}

using Microsoft.OpenApi;

namespace ContractTherapy.Host.Infrastructure;

/// <summary>
/// A problem response a middleware answers before any endpoint runs (so no endpoint's own metadata says so), written
/// into the OpenAPI document on the operations it applies to, unless an operation already lists that status.
/// </summary>
internal static class DocumentedProblems
{
    public static void Add(OpenApiDocument document, string status, string description, Func<OpenApiOperation, bool> appliesTo)
    {
        foreach (var path in document.Paths.Values)
            foreach (var operation in path.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>())
            {
                if (!appliesTo(operation)) continue;
                operation.Responses ??= new OpenApiResponses();
                if (operation.Responses.ContainsKey(status)) continue;
                operation.Responses[status] = new OpenApiResponse
                {
                    Description = description,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("ProblemDetails", document) },
                    },
                };
            }
    }
}

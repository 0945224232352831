using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ContractTherapy.Host.Infrastructure;

/// <summary>
/// Lists the OpenAPI document's tags by name. Otherwise they come in the order the endpoints were
/// found: a Debug build discovers them module by module, a Release build loads them from the
/// generated registry (sorted by type name, README "Generated code"), and the document would
/// differ between the two.
/// </summary>
internal sealed class TagsByName : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        if (document.Tags is { Count: > 0 } tags)
            document.Tags = new SortedSet<OpenApiTag>(tags, Comparer<OpenApiTag>.Create((a, b) => string.CompareOrdinal(a.Name, b.Name)));
        return Task.CompletedTask;
    }
}

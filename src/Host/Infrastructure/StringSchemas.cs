using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ContractTherapy.Host.Infrastructure;

/// <summary>
/// Strings are read through a custom converter (<see cref="ContractTherapy.Shared.Http.NoNulStrings"/>),
/// and the OpenAPI exporter cannot see through a custom converter: it left every string schema empty
/// (<c>{}</c>), so clients generated from the document lost their types. A string is still a string,
/// nullable where the property's annotation says so.
/// </summary>
internal sealed class StringSchemas : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        // A list of strings lost its items altogether (an empty items schema is left out).
        if (context.JsonTypeInfo.ElementType == typeof(string) && schema.Items is null)
            schema.Items = new OpenApiSchema { Type = JsonSchemaType.String };
        if (context.JsonTypeInfo.Type != typeof(string) || schema.Type is not null) return Task.CompletedTask;
        var nullable = context.JsonPropertyInfo is { IsGetNullable: true } or { IsSetNullable: true };
        schema.Type = JsonSchemaType.String | (nullable ? JsonSchemaType.Null : 0);
        return Task.CompletedTask;
    }
}

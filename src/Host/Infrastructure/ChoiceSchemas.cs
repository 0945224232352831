using System.Text.Json.Nodes;
using ContractTherapy.Shared.Http;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ContractTherapy.Host.Infrastructure;

/// <summary>
/// Lists the values of every input marked <see cref="OneOfAttribute"/> in the OpenAPI document: request
/// body properties (a string, or the items of a list of strings) and query or route parameters. Matching
/// ignores case; the document shows the spelling the product stores.
/// </summary>
internal sealed class ChoiceSchemas : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var oneOf = context.JsonPropertyInfo is { } property
            ? property.AttributeProvider?.GetCustomAttributes(typeof(OneOfAttribute), true).OfType<OneOfAttribute>().FirstOrDefault()
            : ParameterAttribute(context);
        if (oneOf is null) return Task.CompletedTask;

        // The exporter has not always marked a nullable property yet when this runs; the property's own
        // annotation (string? Discipline) says whether null is accepted, and then null must be both a
        // type and a listed value, or a schema validator would refuse what the endpoint accepts.
        var acceptsNull = schema.Type is { } current && current.HasFlag(JsonSchemaType.Null)
            || context.JsonPropertyInfo is { IsSetNullable: true };
        var nullable = acceptsNull ? JsonSchemaType.Null : 0;
        var values = oneOf.Choice.Values.Select(v => (JsonNode)JsonValue.Create(v)).ToList();
        var clrType = context.JsonPropertyInfo?.PropertyType ?? context.ParameterDescription?.Type ?? typeof(string);
        if (clrType != typeof(string) && clrType.IsAssignableFrom(typeof(List<string>)))
        {
            schema.Type = JsonSchemaType.Array | nullable;
            schema.Items = new OpenApiSchema { Type = JsonSchemaType.String, Enum = values };
        }
        else
        {
            schema.Type = JsonSchemaType.String | nullable;
            schema.Enum = acceptsNull ? [.. values, null!] : values; // a null entry is written as JSON null
        }
        return Task.CompletedTask;
    }

    private static OneOfAttribute? ParameterAttribute(OpenApiSchemaTransformerContext context) =>
        context.ParameterDescription?.ParameterDescriptor switch
        {
            IParameterInfoParameterDescriptor p => p.ParameterInfo.GetCustomAttributes(typeof(OneOfAttribute), true).OfType<OneOfAttribute>().FirstOrDefault(),
            _ => null,
        };
}

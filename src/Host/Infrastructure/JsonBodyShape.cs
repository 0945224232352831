using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using ContractTherapy.Shared.Http;
using Microsoft.AspNetCore.Mvc;

namespace ContractTherapy.Host.Infrastructure;

/// <summary>
/// Whether a JSON body reads as the endpoint's request type, and if not, the validation problem that names the field
/// and the type it takes (<c>'contractorId' must be a UUID.</c>). Read with the serializer options the endpoint reads
/// with, so that what passes here is what the endpoint gets. Only the path and the type are named: never a value, never
/// one of the product's type names (System.Text.Json's own message names both the CLR type and, for some values, the text).
/// </summary>
internal static partial class JsonBodyShape
{
    /// <summary>Null when <paramref name="body"/> reads as <paramref name="type"/>; otherwise the 400 to answer.</summary>
    public static ProblemDetails? Problem(ReadOnlySpan<byte> body, JsonTypeInfo type)
    {
        object? read;
        try
        {
            read = JsonSerializer.Deserialize(body, type);
        }
        catch (JsonException e) when (Resolve(type, e.Path) is ({ } field, var at))
        {
            return new Validation().Add(field, e is NulInString
                ? $"'{field}' must not hold the character U+0000."
                : $"'{field}' must be {Describe(at)}.").ToProblem();
        }
        catch (JsonException)
        {
            return NotOfTheShape(type); // the whole body is of the wrong kind ([] or "a visit" where an object goes)
        }
        return read is null ? NotOfTheShape(type) : null; // the body was the literal null
    }

    private static ProblemDetails NotOfTheShape(JsonTypeInfo type) => new()
    {
        Status = StatusCodes.Status400BadRequest,
        Title = $"The request body must be {(type.Kind == JsonTypeInfoKind.Enumerable ? "a JSON list" : "a JSON object")}.",
        Detail = "Send a JSON body of the shape the API reference documents for this endpoint. Nothing was saved.",
        Type = "https://contracttherapy.dev/problems/validation",
    };

    /// <summary>
    /// The field at System.Text.Json's path (<c>$.rates[1].amount</c> is <c>rates[1].amount</c>) and its declared type,
    /// walked through the contract: each step is named as the contract names it, never as the client spelled it, and the
    /// walk stops at a step the contract does not know (a dictionary's key), naming what holds it with no type. Null
    /// for the body itself (<c>$</c>).
    /// </summary>
    private static (string? Field, JsonTypeInfo? Type) Resolve(JsonTypeInfo root, string? path)
    {
        if (path is null || !path.StartsWith('$')) return (null, null);
        var field = new System.Text.StringBuilder();
        JsonTypeInfo? current = root;
        foreach (Match step in Steps().Matches(path, 1))
        {
            if (step.Groups["index"].Success)
            {
                if (current?.ElementType is not { } element) return (field.Length == 0 ? null : field.ToString(), null);
                field.Append('[').Append(step.Groups["index"].Value).Append(']');
                current = current.Options.GetTypeInfo(element);
                continue;
            }
            var name = step.Groups["name"].Success ? step.Groups["name"].Value : step.Groups["quoted"].Value;
            var comparison = current!.Options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            if (current.Kind != JsonTypeInfoKind.Object || current.Properties.FirstOrDefault(p => string.Equals(p.Name, name, comparison)) is not { } property)
                return (field.Length == 0 ? null : field.ToString(), null);
            if (field.Length > 0) field.Append('.');
            field.Append(property.Name);
            current = current.Options.GetTypeInfo(property.PropertyType);
        }
        return (field.Length == 0 ? null : field.ToString(), current);
    }

    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\['(?<quoted>(?:[^']|'')*)'\]|\[(?<index>\d+)\]")]
    private static partial Regex Steps();

    /// <summary>The type in the API's words: what the reference shows, not the CLR's name.</summary>
    private static string Describe(JsonTypeInfo? type)
    {
        if (type is null) return "of the type the API reference documents";
        if (ApiTypeNames.Of(type.Type) is { } simple) return simple;
        return type.Kind switch
        {
            JsonTypeInfoKind.Enumerable when type.ElementType is { } element && ApiTypeNames.PluralOf(element) is { } items => $"a list of {items}",
            JsonTypeInfoKind.Enumerable => "a list",
            _ => "an object",
        };
    }
}

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
        catch (JsonException e) when (FieldOf(e.Path) is { } field)
        {
            return new Validation().Add(field, e is NulInString
                ? $"'{field}' must not hold the character U+0000."
                : $"'{field}' must be {Describe(TypeAt(type, field))}.").ToProblem();
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
    /// The field as the client wrote it, from System.Text.Json's path: <c>$.rates[1].amount</c> is <c>rates[1].amount</c>.
    /// Null for the body itself (<c>$</c>).
    /// </summary>
    private static string? FieldOf(string? path)
    {
        if (path is null || !path.StartsWith("$.", StringComparison.Ordinal) && !path.StartsWith("$[", StringComparison.Ordinal)) return null;
        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path[1..];
    }

    /// <summary>The declared type of the field at <paramref name="field"/>, walked through the contract; null when a step is unknown.</summary>
    private static JsonTypeInfo? TypeAt(JsonTypeInfo root, string field)
    {
        var current = root;
        foreach (Match step in Steps().Matches(field))
        {
            if (step.Groups["index"].Success)
            {
                if (current.ElementType is not { } element) return null;
                current = current.Options.GetTypeInfo(element);
                continue;
            }
            var name = step.Groups["name"].Value;
            var comparison = current.Options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            if (current.Properties.FirstOrDefault(p => string.Equals(p.Name, name, comparison)) is not { } property) return null;
            current = current.Options.GetTypeInfo(property.PropertyType);
        }
        return current;
    }

    [GeneratedRegex(@"(?<name>[^.\[\]]+)|\[(?<index>\d+)\]")]
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

using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace ContractTherapy.Shared.Http;

/// <summary>
/// A closed list of values an input accepts (a discipline, a visit type, a W-9 tax classification,
/// a payment method, a cycle frequency, a status filter...), in the spelling the API documents and
/// the product stores. Input in any letter case is accepted as that spelling.
/// </summary>
public sealed class Choice
{
    private static readonly ConcurrentDictionary<(Type, bool), Choice> OfEnums = new();

    public Choice(IEnumerable<string> values) => Values = values.ToList();

    /// <summary>The names of <typeparamref name="T"/>, as they are (<c>PT</c>, <c>Evaluation</c>) or camelCased (<c>weekly</c>, <c>soleProprietor</c>).</summary>
    public static Choice Of<T>(bool camelCase = false) where T : struct, Enum => Of(typeof(T), camelCase);

    public static Choice Of(Type enumType, bool camelCase = false) => OfEnums.GetOrAdd((enumType, camelCase), key =>
        new Choice(Enum.GetNames(key.Item1).Select(n => key.Item2 ? JsonNamingPolicy.CamelCase.ConvertName(n) : n)));

    public IReadOnlyList<string> Values { get; }

    /// <summary>The listed spelling of <paramref name="value"/> whatever its letter case; <see langword="null"/> when it is not listed.</summary>
    public string? Canonical(string? value) =>
        value is null ? null : Values.FirstOrDefault(v => string.Equals(v, value, StringComparison.OrdinalIgnoreCase));

    /// <summary>The enum value <paramref name="value"/> names, in any letter case (names only: no numbers, no comma lists).</summary>
    public static bool TryParse<T>(string? value, out T result) where T : struct, Enum
    {
        result = default;
        return Of<T>().Canonical(value) is { } name && Enum.TryParse(name, out result);
    }

    public override string ToString() => string.Join(", ", Values);
}

/// <summary>
/// Marks a string (or list of strings) of a request record as one of a <see cref="Choice"/>: the JSON
/// body is read with the listed spelling whatever the letter case (<see cref="Choices.Canonicalize"/>),
/// and the OpenAPI document lists the values. Validators still check it (<see cref="Choices.OneOf"/>),
/// so an unknown value is a 400 naming the field and the allowed values.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class OneOfAttribute : Attribute
{
    /// <summary>The names of an enum; <see cref="CamelCase"/> for the camelCased names.</summary>
    public OneOfAttribute(Type enumType) => EnumType = enumType;

    /// <summary>A list of values.</summary>
    public OneOfAttribute(params string[] values) => Listed = values;

    public Type? EnumType { get; }
    public string[]? Listed { get; }
    public bool CamelCase { get; init; }

    public Choice Choice => EnumType is not null ? Choice.Of(EnumType, CamelCase) : new Choice(Listed!);
}

public static class Choices
{
    private static readonly ConcurrentDictionary<(Type, string), Choice> Declared = new();

    /// <summary>The <see cref="Choice"/> that <typeparamref name="T"/>'s <paramref name="property"/> declares with <see cref="OneOfAttribute"/>.</summary>
    public static Choice For<T>(string property) => Declared.GetOrAdd((typeof(T), property), key =>
        (key.Item1.GetProperty(key.Item2)?.GetCustomAttributes(typeof(OneOfAttribute), true).FirstOrDefault() as OneOfAttribute)?.Choice
        ?? throw new InvalidOperationException($"{key.Item1.Name}.{key.Item2} has no [OneOf]."));

    /// <summary>
    /// "'field' must be one of a, b, c." when <paramref name="value"/> is not listed (or missing, when
    /// <paramref name="required"/>). The JSON body has already brought a listed value to its spelling.
    /// </summary>
    public static Validation OneOf(this Validation v, string field, string? value, Choice choice, bool required = true)
    {
        if (value is null)
        {
            if (required) v.Add(field, $"'{field}' is required; one of {choice}.");
            return v;
        }
        if (choice.Canonical(value) is null) v.Add(field, $"'{field}' must be one of {choice}; '{Shorten(value)}' is not.");
        return v;
    }

    /// <summary>An optional query value of <paramref name="choice"/>: its listed spelling, or <see langword="null"/> (with the field error when it is not listed).</summary>
    public static string? Read(this Validation v, string field, string? value, Choice choice)
    {
        if (value is null) return null;
        if (choice.Canonical(value) is { } listed) return listed;
        v.OneOf(field, value, choice, required: false);
        return null;
    }

    /// <summary>
    /// A System.Text.Json contract modifier: every property marked <see cref="OneOfAttribute"/> reads a listed
    /// value in any letter case as its listed spelling. Unknown values are read as they are, for the validator.
    /// </summary>
    public static void Canonicalize(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object) return;
        foreach (var property in type.Properties)
        {
            if (property.AttributeProvider?.GetCustomAttributes(typeof(OneOfAttribute), true).FirstOrDefault() is not OneOfAttribute oneOf) continue;
            var choice = oneOf.Choice;
            if (property.PropertyType == typeof(string)) property.CustomConverter = new CanonicalString(choice);
            else if (property.PropertyType.IsAssignableFrom(typeof(List<string>)))
                property.CustomConverter = (JsonConverter)Activator.CreateInstance(typeof(CanonicalList<>).MakeGenericType(property.PropertyType), choice)!;
            else throw new InvalidOperationException($"[OneOf] on {type.Type.Name}.{property.Name}: only strings and lists of strings are supported.");
        }
    }

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "...";

    private sealed class CanonicalString(Choice choice) : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String) throw new JsonException("Expected a string.");
            var value = reader.GetString();
            return choice.Canonical(value) ?? value;
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    /// <summary>For a property typed as a list of strings (<c>IReadOnlyList&lt;string&gt;</c>, <c>List&lt;string&gt;</c>...).</summary>
    private sealed class CanonicalList<TList>(Choice choice) : JsonConverter<TList> where TList : class, IEnumerable<string>
    {
        public override TList? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("Expected an array of strings.");
            var values = new List<string>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.String) throw new JsonException("Expected an array of strings.");
                var value = reader.GetString()!;
                values.Add(choice.Canonical(value) ?? value);
            }
            return (TList)(object)values;
        }

        public override void Write(Utf8JsonWriter writer, TList value, JsonSerializerOptions options)
        {
            writer.WriteStartArray();
            foreach (var item in value) writer.WriteStringValue(item);
            writer.WriteEndArray();
        }
    }
}

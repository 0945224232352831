using System.Text.Json;
using System.Text.Json.Serialization;

namespace ContractTherapy.Shared.Http;

/// <summary>
/// Refuses a JSON string holding U+0000: PostgreSQL cannot store it in text or jsonb, so it made
/// the commit fail with a 500. Thrown without a message, the serializer's own names the field
/// ("Path: $.name") and the host answers 400 problem details naming the field (JsonBodyShape).
/// </summary>
public sealed class NoNulStrings : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var value = reader.GetString();
        if (value is not null && value.Contains('\0')) throw new NulInString();
        return value;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}

/// <summary>A JSON string that holds U+0000 (<see cref="NoNulStrings"/>): told apart from a value of the wrong type.</summary>
public sealed class NulInString : JsonException;

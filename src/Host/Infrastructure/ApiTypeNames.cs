namespace ContractTherapy.Host.Infrastructure;

/// <summary>
/// A value's type as the API reference names it (<c>a UUID</c>, <c>a date (YYYY-MM-DD)</c>), for the errors that say a
/// body's field or a query parameter could not be read: never the CLR's name (<c>System.Guid</c>, the product's records).
/// </summary>
internal static class ApiTypeNames
{
    /// <summary>The name of a single value's type (nullable or not), or null for an object or a list.</summary>
    public static string? Of(Type type)
    {
        var clr = Nullable.GetUnderlyingType(type) ?? type;
        return clr switch
        {
            _ when clr == typeof(string) => "a string",
            _ when clr == typeof(Guid) => "a UUID",
            _ when clr == typeof(DateOnly) => "a date (YYYY-MM-DD)",
            _ when clr == typeof(DateTimeOffset) || clr == typeof(DateTime) => "a date and time (ISO 8601, with its offset)",
            _ when clr == typeof(bool) => "true or false",
            // The bounds are named: a number too large for the field (1e400, 2147483648) fails the same way.
            _ when clr == typeof(decimal) => "a number (at most 28 digits)",
            _ when clr == typeof(double) || clr == typeof(float) => "a number",
            _ when clr == typeof(int) => $"a whole number from {int.MinValue} to {int.MaxValue}",
            _ when clr == typeof(long) || clr == typeof(short) || clr == typeof(byte) => "a whole number",
            _ when clr.IsEnum => "one of: " + string.Join(", ", Enum.GetNames(clr)),
            _ => null,
        };
    }

    /// <summary>The items of a list, named in the plural (<c>strings</c>, <c>UUIDs</c>), or null for objects.</summary>
    public static string? PluralOf(Type type)
    {
        var clr = Nullable.GetUnderlyingType(type) ?? type;
        return clr switch
        {
            _ when clr == typeof(string) => "strings",
            _ when clr == typeof(Guid) => "UUIDs",
            _ when clr == typeof(DateOnly) => "dates (YYYY-MM-DD)",
            _ when clr == typeof(decimal) || clr == typeof(double) || clr == typeof(float) => "numbers",
            _ when clr == typeof(int) || clr == typeof(long) => "whole numbers",
            _ => null,
        };
    }
}

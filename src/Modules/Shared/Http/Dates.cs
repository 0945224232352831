using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace ContractTherapy.Shared.Http;

public static class Dates
{
    public const string Format = "yyyy-MM-dd";

    public static bool TryParse(string? value, out DateOnly date) =>
        DateOnly.TryParseExact(value, Format, CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    /// <summary>
    /// Reads a point-in-time query value (an ISO-8601 instant; a bare date means its start, UTC).
    /// Absent is null: now. A malformed value is a 400 naming the field.
    /// </summary>
    public static bool TryReadInstant(string field, string? value, out DateTimeOffset? at, out IResult? problem)
    {
        at = null;
        problem = null;
        if (value is null) return true;
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            at = parsed;
            return true;
        }
        problem = Problems.Invalid(field, $"'{field}' must be an ISO-8601 instant such as 2026-03-20T14:00:00Z.");
        return false;
    }

    /// <summary>
    /// Reads an <c>asOf</c> query value (YYYY-MM-DD); absent means today (UTC). A malformed value
    /// is a 400 naming the field rather than a silently ignored filter.
    /// </summary>
    public static bool TryReadAsOf(string? value, TimeProvider clock, out DateOnly date, out IResult? problem)
    {
        problem = null;
        if (value is null)
        {
            date = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
            return true;
        }
        if (TryParse(value, out date)) return true;
        problem = Problems.Invalid("asOf", "'asOf' must be a date (YYYY-MM-DD).");
        return false;
    }
}

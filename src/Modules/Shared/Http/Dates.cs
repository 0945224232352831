using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace ContractTherapy.Shared.Http;

public static class Dates
{
    public const string Format = "yyyy-MM-dd";

    public static bool TryParse(string? value, out DateOnly date) =>
        DateOnly.TryParseExact(value, Format, CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

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

namespace ContractTherapy.Shared.Security;

/// <summary>Taxpayer identification numbers: only ever shown masked, except in the IRIS export.</summary>
public static class Tin
{
    /// <summary>Digits only, dashes allowed between groups: <c>123-45-6789</c> or <c>12-3456789</c>.</summary>
    public static string? Normalize(string? tin)
    {
        if (tin is null) return null;
        var digits = new string(tin.Where(c => c != '-' && c != ' ').ToArray());
        return digits.Length == 9 && digits.All(char.IsAsciiDigit) ? digits : null;
    }

    public static string Mask(string last4) => $"***-**-{last4}";
}

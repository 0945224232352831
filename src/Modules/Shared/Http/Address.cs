namespace ContractTherapy.Shared.Http;

/// <summary>A US postal address as requests carry it.</summary>
public sealed record Address(string? Line1, string? Line2, string? City, string? State, string? Zip);

public static class AddressValidation
{
    private static readonly System.Text.RegularExpressions.Regex Zip = new(@"^\d{5}(-\d{4})?$");

    public static Validation Address(this Validation v, string field, Address? address, bool required)
    {
        if (address is null)
        {
            if (required) v.Add(field, $"'{field}' is required.");
            return v;
        }
        v.Text($"{field}.line1", address.Line1, 200)
            .MaxLength($"{field}.line2", address.Line2, 200)
            .Text($"{field}.city", address.City, 100);
        if (string.IsNullOrWhiteSpace(address.State) || address.State.Length != 2 || !address.State.All(char.IsAsciiLetterUpper))
            v.Add($"{field}.state", $"'{field}.state' must be a 2-letter state code such as NY.");
        if (string.IsNullOrWhiteSpace(address.Zip) || !Zip.IsMatch(address.Zip))
            v.Add($"{field}.zip", $"'{field}.zip' must be a ZIP code (12345 or 12345-6789).");
        return v;
    }
}

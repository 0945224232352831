using System.Text.Json;

namespace ContractTherapy.Payments.TaxReporting;

/// <summary>
/// The IRIS 1099-NEC CSV columns per tax year (iris-1099-nec-columns.json, embedded). A year
/// may name another year whose template it reuses.
/// </summary>
public static class IrisTemplate
{
    private static readonly Lazy<JsonElement> Templates = new(() =>
    {
        using var stream = typeof(IrisTemplate).Assembly.GetManifestResourceStream("iris-1099-nec-columns.json")!;
        return JsonDocument.Parse(stream).RootElement.Clone();
    });

    public static IReadOnlyList<string>? ColumnsFor(int year)
    {
        var key = year.ToString();
        for (var hops = 0; hops < 5 && Templates.Value.TryGetProperty(key, out var entry); hops++)
        {
            if (entry.ValueKind == JsonValueKind.String) key = entry.GetString()!;
            else return entry.EnumerateArray().Select(c => c.GetString()!).ToList();
        }
        return null;
    }
}

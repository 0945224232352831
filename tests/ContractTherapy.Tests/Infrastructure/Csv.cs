using CsvHelper;

namespace ContractTherapy.Tests.Infrastructure;

/// <summary>Parses a CSV export back (with the same CSV library) into rows keyed by header.</summary>
public static class Csv
{
    public static (IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyDictionary<string, string>> Rows) Parse(string text)
    {
        using var csv = CsvReader.FromText(text, null);
        IReadOnlyList<string>? headers = null;
        var rows = new List<IReadOnlyDictionary<string, string>>();
        while (csv.Read())
        {
            if (headers is null && csv.Headers is { Count: > 0 } known) headers = known.ToList();
            var fields = Enumerable.Range(0, csv.FieldCount).Select(i => csv.GetString(i)).ToList();
            if (headers is null)
            {
                headers = fields;
                continue;
            }
            rows.Add(headers.Select((h, i) => (h, v: i < fields.Count ? fields[i] : "")).ToDictionary(x => x.h, x => x.v));
        }
        return (headers ?? [], rows);
    }
}

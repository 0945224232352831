using System.Text;
using System.Text.RegularExpressions;

namespace ContractTherapy.Tests.Infrastructure;

/// <summary>
/// Reads a PDF back: checks its structure (header, every xref offset pointing at its object,
/// trailer) and returns its metadata and the text of every page in page order.
/// </summary>
public sealed record ParsedPdf(int PageCount, string Title, string Subject, string Text)
{
    static ParsedPdf() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static ParsedPdf Parse(byte[] bytes)
    {
        var raw = Encoding.GetEncoding(1252).GetString(bytes);
        raw.ShouldStartWith("%PDF-1.");
        raw.TrimEnd().ShouldEndWith("%%EOF");
        var startXref = long.Parse(Regex.Match(raw, @"startxref\s+(\d+)").Groups[1].Value);
        raw[(int)startXref..].ShouldStartWith("xref");
        var entries = Regex.Matches(raw[(int)startXref..], @"(\d{10}) 00000 n");
        entries.Count.ShouldBeGreaterThan(0);
        for (var i = 0; i < entries.Count; i++)
            raw[(int)long.Parse(entries[i].Groups[1].Value)..].ShouldStartWith($"{i + 1} 0 obj");

        var objects = Regex.Matches(raw, @"(\d+) 0 obj\n(.*?)\nendobj", RegexOptions.Singleline)
            .ToDictionary(m => int.Parse(m.Groups[1].Value), m => m.Groups[2].Value);
        var pagesObj = objects.Values.Single(o => o.Contains("/Type /Pages"));
        var kids = Regex.Matches(Regex.Match(pagesObj, @"/Kids \[(.*?)\]").Groups[1].Value, @"(\d+) 0 R").Select(m => int.Parse(m.Groups[1].Value)).ToList();
        var text = new StringBuilder();
        foreach (var kid in kids)
        {
            var content = objects[int.Parse(Regex.Match(objects[kid], @"/Contents (\d+) 0 R").Groups[1].Value)];
            foreach (Match m in Regex.Matches(content, @"\(((?:\\.|[^\\)])*)\) Tj"))
                text.AppendLine(Unescape(m.Groups[1].Value));
        }
        var info = objects.Values.Single(o => o.Contains("/Producer"));
        return new ParsedPdf(kids.Count, Unescape(Regex.Match(info, @"/Title \(((?:\\.|[^\\)])*)\)").Groups[1].Value),
            Unescape(Regex.Match(info, @"/Subject \(((?:\\.|[^\\)])*)\)").Groups[1].Value), text.ToString());
    }

    private static string Unescape(string s) => Regex.Replace(s, @"\\(.)", "$1");
}

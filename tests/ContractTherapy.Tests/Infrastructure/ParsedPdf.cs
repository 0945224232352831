using UglyToad.PdfPig;
using UglyToad.PdfPig.Tokens;

namespace ContractTherapy.Tests.Infrastructure;

/// <summary>
/// A PDF read back with PdfPig (strict parsing, no repairs): its metadata, the fonts its text is
/// drawn in, the sizes of the TrueType programs embedded in it (FontFile2 /Length1), and each page's
/// text as lines: words on one baseline, left to right, joined by a space.
/// </summary>
public sealed record ParsedPdf(int PageCount, string Title, string Subject, IReadOnlyList<IReadOnlyList<string>> Pages, IReadOnlySet<string> Fonts,
    IReadOnlyList<long> EmbeddedTrueTypeLengths)
{
    public string Text => string.Join("\n", Pages.Select(p => string.Join("\n", p)));

    public IEnumerable<string> Lines => Pages.SelectMany(p => p);

    public static ParsedPdf Parse(byte[] bytes)
    {
        using var document = PdfDocument.Open(bytes, new ParsingOptions { UseLenientParsing = false });
        var pages = new List<IReadOnlyList<string>>();
        var fonts = new HashSet<string>();
        foreach (var page in document.GetPages())
        {
            foreach (var letter in page.Letters) fonts.Add(letter.FontName ?? "");
            pages.Add(page.GetWords()
                .GroupBy(w => Math.Round(w.Letters[0].StartBaseLine.Y, 1))
                .OrderByDescending(g => g.Key)
                .Select(g => string.Join(" ", g.OrderBy(w => w.BoundingBox.Left).Select(w => w.Text)))
                .ToList());
        }
        var trueType = document.Structure.CrossReferenceTable.ObjectOffsets.Keys
            .Select(reference => document.Structure.GetObject(reference).Data)
            .OfType<StreamToken>()
            .Select(stream => stream.StreamDictionary.TryGet(NameToken.Create("Length1"), out NumericToken length) ? length.Long : (long?)null)
            .OfType<long>()
            .ToList();
        return new ParsedPdf(document.NumberOfPages, document.Information.Title ?? "", document.Information.Subject ?? "", pages, fonts, trueType);
    }
}

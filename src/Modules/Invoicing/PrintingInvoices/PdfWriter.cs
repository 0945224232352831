using System.Globalization;
using System.Text;

namespace ContractTherapy.Invoicing.PrintingInvoices;

/// <summary>
/// A small PDF 1.4 writer: pages of text and rules in the standard fonts (Helvetica and Courier,
/// WinAnsi), which every PDF reader has built in, so nothing depends on fonts installed on the
/// machine. Why not PDFsharp: from 6.5 it must be loaded under the AGPL or a paid licence, and
/// the AGPL's network clause does not fit a hosted product; an invoice needs far less than it offers.
/// Text outside Windows-1252 is folded to its unaccented letters.
/// </summary>
public sealed class PdfWriter
{
    public const double PageWidth = 612, PageHeight = 792;
    private static readonly Encoding WinAnsi;
    private readonly List<StringBuilder> _pages = [];
    private StringBuilder _page = null!;

    static PdfWriter()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        WinAnsi = Encoding.GetEncoding(1252, new EncoderReplacementFallback("?"), DecoderFallback.ReplacementFallback);
    }

    public enum Font { Regular, Bold, Mono, MonoBold }

    public int PageCount => _pages.Count;

    /// <summary>Draws on an earlier page again (page numbers "of N" are known only at the end).</summary>
    public void OnPage(int index) => _page = _pages[index];

    public void NewPage()
    {
        _page = new StringBuilder();
        _pages.Add(_page);
    }

    /// <summary>Text with its baseline at <paramref name="y"/> measured from the top of the page.</summary>
    public void Text(double x, double y, string text, Font font, double size, double gray = 0)
    {
        _page.Append(CultureInfo.InvariantCulture, $"{gray:0.##} g BT /{Name(font)} {size:0.##} Tf {x:0.##} {PageHeight - y:0.##} Td (")
            .Append(Escape(text)).Append(") Tj ET 0 g\n");
    }

    /// <summary>Monospaced text whose right edge is at <paramref name="right"/> (Courier glyphs are 0.6 em wide).</summary>
    public void TextRight(double right, double y, string text, Font font, double size) =>
        Text(right - text.Length * 0.6 * size, y, text, font, size);

    public void Rule(double x1, double y, double x2, double width = 0.6) =>
        _page.Append(CultureInfo.InvariantCulture, $"{width:0.##} w {x1:0.##} {PageHeight - y:0.##} m {x2:0.##} {PageHeight - y:0.##} l S\n");

    public byte[] Save(string title, string subject, string author)
    {
        var objects = new List<byte[]>();
        int Add(string body) { objects.Add(WinAnsi.GetBytes(body)); return objects.Count; }
        int AddStream(string content)
        {
            var bytes = WinAnsi.GetBytes(content);
            objects.Add([.. WinAnsi.GetBytes($"<< /Length {bytes.Length} >>\nstream\n"), .. bytes, .. WinAnsi.GetBytes("\nendstream")]);
            return objects.Count;
        }

        var catalog = Add("");
        var pagesObj = Add("");
        var fonts = new[] { "Helvetica", "Helvetica-Bold", "Courier", "Courier-Bold" }
            .Select(f => Add($"<< /Type /Font /Subtype /Type1 /BaseFont /{f} /Encoding /WinAnsiEncoding >>")).ToArray();
        var fontDict = $"<< /F1 {fonts[0]} 0 R /F2 {fonts[1]} 0 R /F3 {fonts[2]} 0 R /F4 {fonts[3]} 0 R >>";
        var kids = new List<int>();
        foreach (var page in _pages)
        {
            var content = AddStream(page.ToString());
            kids.Add(Add($"<< /Type /Page /Parent {pagesObj} 0 R /MediaBox [0 0 {PageWidth} {PageHeight}] /Resources << /Font {fontDict} >> /Contents {content} 0 R >>"));
        }
        objects[catalog - 1] = WinAnsi.GetBytes($"<< /Type /Catalog /Pages {pagesObj} 0 R >>");
        objects[pagesObj - 1] = WinAnsi.GetBytes($"<< /Type /Pages /Kids [{string.Join(" ", kids.Select(k => $"{k} 0 R"))}] /Count {kids.Count} >>");
        var info = Add($"<< /Title ({Escape(title)}) /Subject ({Escape(subject)}) /Author ({Escape(author)}) /Producer (ContractTherapy) >>");

        using var output = new MemoryStream();
        void Write(string s) => output.Write(WinAnsi.GetBytes(s));
        Write("%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n");
        var offsets = new long[objects.Count];
        for (var i = 0; i < objects.Count; i++)
        {
            offsets[i] = output.Position;
            Write($"{i + 1} 0 obj\n");
            output.Write(objects[i]);
            Write("\nendobj\n");
        }
        var xref = output.Position;
        Write($"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets) Write($"{offset:D10} 00000 n \n");
        Write($"trailer\n<< /Size {objects.Count + 1} /Root {catalog} 0 R /Info {info} 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return output.ToArray();
    }

    private static string Name(Font font) => font switch
    {
        Font.Regular => "F1",
        Font.Bold => "F2",
        Font.Mono => "F3",
        _ => "F4",
    };

    /// <summary>
    /// Letters outside Windows-1252 lose their accents ("Nguyễn" prints "Nguyen") rather than
    /// their place; what has no Latin base prints '?'.
    /// </summary>
    private static string Escape(string text)
    {
        var folded = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (WinAnsi.GetString(WinAnsi.GetBytes(c.ToString())) == c.ToString()) folded.Append(c);
            else folded.Append(c.ToString().Normalize(NormalizationForm.FormD)
                .Where(d => CharUnicodeInfo.GetUnicodeCategory(d) != UnicodeCategory.NonSpacingMark).FirstOrDefault('?'));
        }
        var safe = WinAnsi.GetString(WinAnsi.GetBytes(folded.ToString()));
        return safe.Replace("\\", "\\\\").Replace("(", "\\(").Replace(")", "\\)").Replace("\r", " ").Replace("\n", " ");
    }
}

using PdfSharp.Fonts;

namespace ContractTherapy.Invoicing.PrintingInvoices;

/// <summary>
/// The one typeface invoices are printed in: DejaVu Sans (regular and bold), a Unicode TrueType
/// font from Debian's <c>fonts-dejavu-core</c> package, embedded (subset) in every PDF so names
/// such as "Nguyễn Thị Ánh" or "Łukasz Wójcik" print exactly. PDFsharp asks this resolver for
/// the font's bytes; the files are read once. The host registers it at start-up and fails there,
/// naming the package, when the files are missing.
/// </summary>
public sealed class InvoiceFonts : IFontResolver
{
    public const string Family = "DejaVu Sans";
    public const string Directory = "/usr/share/fonts/truetype/dejavu";
    private const string Regular = "DejaVuSans", Bold = "DejaVuSans-Bold";

    private static readonly Lock Gate = new();
    private static InvoiceFonts? _registered;
    private readonly Dictionary<string, byte[]> _faces;

    private InvoiceFonts(Dictionary<string, byte[]> faces) => _faces = faces;

    /// <summary>Installs the resolver in PDFsharp (once per process); throws with the fix when the font files are absent.</summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (_registered is not null) return;
            _registered = Load(Directory);
            GlobalFontSettings.FontResolver = _registered;
        }
    }

    /// <summary>Reads the regular and bold faces from <paramref name="directory"/>.</summary>
    public static InvoiceFonts Load(string directory)
    {
        var faces = new Dictionary<string, byte[]>();
        foreach (var face in new[] { Regular, Bold })
        {
            var path = Path.Combine(directory, face + ".ttf");
            if (!File.Exists(path))
                throw new InvalidOperationException(
                    $"Invoice PDFs need the font file {path} (DejaVu Sans), which is missing. " +
                    "Install Debian's fonts-dejavu-core package: apt-get install -y fonts-dejavu-core (ops/run.sh and ops/test.sh do).");
            faces[face] = File.ReadAllBytes(path);
        }
        return new InvoiceFonts(faces);
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        string.Equals(familyName, Family, StringComparison.OrdinalIgnoreCase)
            // No italic face is shipped in fonts-dejavu-core; invoices use none, PDFsharp would slant the upright one.
            ? new FontResolverInfo(bold ? Bold : Regular, false, italic)
            : null;

    public byte[]? GetFont(string faceName) => _faces.GetValueOrDefault(faceName);
}

using CsvHelper;
using Microsoft.AspNetCore.Http;

namespace ContractTherapy.Shared.Exports;

/// <summary>
/// The one place where the product's CSV files are configured and written (CsvHelper, RFC 4180:
/// CRLF, fields quoted when they hold a comma, quote or line break, quotes doubled; UTF-8).
/// <list type="bullet">
/// <item>
/// <see cref="ForSpreadsheets"/>: files people open in Excel. A text cell that starts with <c>= + - @</c>, tab
/// or CR would run as a formula there (OWASP "CSV injection"), so it is written with a leading <c>'</c>
/// (and quoted), which Excel reads as "this is text". Numbers are written as numbers, so <c>-5.00</c> stays a
/// number. A UTF-8 byte order mark starts the file: without it Excel reads the file in the local ANSI code
/// page and shows "Nguyễn" as "NguyÃ¡»…n".
/// </item>
/// <item>
/// <see cref="Exact"/>: files a program reads (the IRS IRIS upload), where every value must be exactly what
/// is recorded: nothing is escaped, and no byte order mark precedes the template's first header. A text value
/// that starts like a formula is never written: <see cref="StartsLikeFormula"/> lets the caller refuse the
/// export naming the field, and the writer throws as a backstop.
/// </item>
/// </list>
/// </summary>
public static class CsvExport
{
    public static readonly CsvWriterOptions ForSpreadsheets = CsvWriterOptions.Default with
    {
        Injection = CsvInjection.Escape,
        WriteByteOrderMark = true,
    };

    public static readonly CsvWriterOptions Exact = CsvWriterOptions.Default with
    {
        Injection = CsvInjection.Throw,
        WriteByteOrderMark = false,
    };

    public const string ContentType = "text/csv; charset=utf-8";

    /// <summary>Whether a spreadsheet would take <paramref name="value"/> for a formula (it starts with one of the injection characters).</summary>
    public static bool StartsLikeFormula(string? value) =>
        !string.IsNullOrEmpty(value) && ForSpreadsheets.InjectionCharacters.Contains(value[0]);

    /// <summary>Writes a file with <paramref name="options"/> and returns its UTF-8 bytes (with the byte order mark the options ask for).</summary>
    public static byte[] Write(CsvWriterOptions options, Action<CsvWriter> write)
    {
        using var stream = new MemoryStream();
        using (var csv = CsvWriter.Create(stream, options, leaveOpen: true))
        {
            write(csv);
            csv.Flush();
        }
        return stream.ToArray();
    }

    /// <summary>The download of a written file.</summary>
    public static IResult File(byte[] content, string fileName) => Results.File(content, ContentType, fileName);
}

using System.Text;
using ContractTherapy.Shared.Exports;
using CsvHelper;

namespace ContractTherapy.Tests.Units;

public sealed class CsvExportUnitTests
{
    private static string Spreadsheet(Action<CsvWriter> write)
    {
        var bytes = CsvExport.Write(CsvExport.ForSpreadsheets, write);
        bytes.AsSpan(0, 3).SequenceEqual(new byte[] { 0xEF, 0xBB, 0xBF }).ShouldBeTrue();
        return Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3);
    }

    [Theory]
    [InlineData("=1+2")]
    [InlineData("+1")]
    [InlineData("-1")]
    [InlineData("@A1")]
    [InlineData("\tTab")]
    [InlineData("\rReturn")]
    public void every_owasp_formula_prefix_is_escaped_for_spreadsheets_and_refused_in_exact_files(string value)
    {
        CsvExport.StartsLikeFormula(value).ShouldBeTrue();
        var text = Spreadsheet(csv => { csv.WriteField(value); csv.EndRecord(); });
        using var reader = CsvReader.FromText(text, CsvReaderOptions.Default with { HasHeader = false });
        reader.Read().ShouldBeTrue();
        reader.GetString(0).ShouldBe("'" + value);
        text.ShouldStartWith("\"'");

        Should.Throw<InvalidOperationException>(() => CsvExport.Write(CsvExport.Exact, csv => { csv.WriteField(value); csv.EndRecord(); }));
    }

    [Fact]
    public void numbers_stay_numbers_and_plain_text_is_untouched()
    {
        CsvExport.StartsLikeFormula("Dana").ShouldBeFalse();
        CsvExport.StartsLikeFormula("").ShouldBeFalse();
        CsvExport.StartsLikeFormula(null).ShouldBeFalse();
        var text = Spreadsheet(csv => { csv.WriteField(-5m, "0.00"); csv.WriteField("Dana Kim"); csv.EndRecord(); });
        text.ShouldBe("-5.00,Dana Kim\r\n");
        var exact = CsvExport.Write(CsvExport.Exact, csv => { csv.WriteField("Form Type"); csv.EndRecord(); });
        Encoding.UTF8.GetString(exact).ShouldBe("Form Type\r\n");
    }
}

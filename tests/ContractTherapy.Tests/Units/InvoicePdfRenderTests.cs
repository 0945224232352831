using ContractTherapy.Invoicing.Invoices;
using ContractTherapy.Invoicing.PrintingInvoices;
using ContractTherapy.Shared.Domain;
using ContractTherapy.Tests.Infrastructure;

namespace ContractTherapy.Tests.Units;

/// <summary>The invoice PDF read back with PdfPig: every line, the totals, the names exactly as written, the pages.</summary>
public sealed class InvoicePdfRenderTests
{
    private static readonly InvoiceParty Issuer = new("Ødegaard & Nguyễn Therapy Staffing", ["100 State St", "Suite 4", "Albany, NY 12207"],
        ["518-555-0199", "books@odegaard.example"]);
    private static readonly InvoiceParty BillTo = new("Sunrise HH", ["9 Lake Rd", "Troy, NY 12180"], ["ap@sunrise.example"]);
    private const string TableHeader = "Date Patient MRN Clinician Disc. Visit type Rate Amount";

    private static InvoiceView Invoice(IReadOnlyList<InvoiceLineView> lines, decimal paid = 0m)
    {
        var total = lines.Sum(l => l.Amount);
        return new InvoiceView(Guid.NewGuid(), "INV-2026-000042", Guid.NewGuid(), "Sunrise HH", Guid.NewGuid(), new DateOnly(2026, 3, 2),
            new DateOnly(2026, 3, 15), new DateOnly(2026, 3, 16), new DateOnly(2026, 4, 15), lines, total, total, paid, total - paid, "issued");
    }

    private static InvoiceLineView Line(string date, string patient, string mrn, string clinician, VisitType type, decimal rate, string kind = "visit",
        decimal? amount = null, string? reason = null) =>
        new(kind, Guid.NewGuid(), DateOnly.Parse(date), patient, mrn, clinician, Discipline.PT, type, rate, amount ?? rate, reason);

    [Fact]
    public void names_outside_latin_1_print_exactly_in_an_embedded_unicode_font()
    {
        var view = Invoice([
            Line("2026-03-03", "Nguyễn Thị Ánh", "AL-1", "Łukasz Wójcik", VisitType.Evaluation, 150m),
            Line("2026-03-05", "Zoë Ødegaard", "ZO-2", "O'Brien-Saint Claire", VisitType.Routine, 95m),
            Line("2026-02-24", "Łukasz Wójcik", "LW-3", "Nguyễn Thị Ánh", VisitType.Routine, 95m, kind: "late"),
            Line("2026-03-10", "O'Brien-Saint Claire", "OB-4", "Zoë Ødegaard", VisitType.Routine, 100m, kind: "adjustment", amount: -100m,
                reason: "Visit did not take place"),
        ], paid: 40m);

        var pdf = ParsedPdf.Parse(InvoicePdf.Render(view, Issuer, BillTo));

        pdf.PageCount.ShouldBe(1);
        pdf.Title.ShouldBe("Invoice INV-2026-000042");
        pdf.Subject.ShouldBe("Sunrise HH 2026-03-02..2026-03-15");
        pdf.Fonts.ShouldAllBe(f => f.EndsWith("+DejaVu Sans") || f.EndsWith("+DejaVu Sans,Bold"));
        // Whole font files: a subset from PDFsharp loses the accents of letters built from nested composite glyphs ("ễ" printed as "e").
        pdf.EmbeddedTrueTypeLengths.Order().ShouldBe(new[] { "DejaVuSans-Bold.ttf", "DejaVuSans.ttf" }
            .Select(f => new FileInfo(Path.Combine(InvoiceFonts.Directory, f)).Length).Order());
        var lines = pdf.Lines.ToList();
        lines.ShouldContain("03/03/2026 Nguyễn Thị Ánh AL-1 Łukasz Wójcik PT Evaluation $150.00 $150.00");
        lines.ShouldContain("03/05/2026 Zoë Ødegaard ZO-2 O'Brien-Saint Claire PT Routine $95.00 $95.00");
        lines.ShouldContain("02/24/2026 Łukasz Wójcik LW-3 Nguyễn Thị Ánh PT Routine $95.00 $95.00");
        lines.ShouldContain("↳ Late visit: dated in an earlier, already closed period");
        lines.ShouldContain("03/10/2026 O'Brien-Saint Claire OB-4 Zoë Ødegaard PT Routine $100.00 -$100.00");
        lines.ShouldContain("↳ Adjustment (credit): Visit did not take place");
        // The letterhead beside the invoice's facts; bill-to beside remit-to.
        lines.Take(12).ShouldBe([
            "Ødegaard & Nguyễn Therapy Staffing INVOICE",
            "100 State St INV-2026-000042",
            "Suite 4 Service period 03/02/2026 – 03/15/2026",
            "Albany, NY 12207 Issue date 03/16/2026",
            "518-555-0199 · books@odegaard.example Due date 04/15/2026 (net 30)",
            "BILL TO REMIT TO",
            "Sunrise HH Ødegaard & Nguyễn Therapy Staffing",
            "9 Lake Rd 100 State St",
            "Troy, NY 12180 Suite 4",
            "ap@sunrise.example Albany, NY 12207",
            "518-555-0199",
            "books@odegaard.example",
        ]);
        lines[12].ShouldBe(TableHeader);
        lines.ShouldContain("Subtotal $240.00");
        lines.ShouldContain("Total $240.00");
        lines.ShouldContain("Paid $40.00");
        lines.ShouldContain("Balance due $200.00");
        lines.ShouldContain("Please remit $200.00 by 04/15/2026 to Ødegaard & Nguyễn Therapy Staffing, quoting invoice INV-2026-000042.");
        lines[^1].ShouldBe("INV-2026-000042 · Sunrise HH · please quote the invoice number with your payment Page 1 of 1");
    }

    [Fact]
    public void a_500_line_invoice_runs_over_pages_each_with_the_letterhead_name_the_table_header_and_page_n_of_m()
    {
        var lines = Enumerable.Range(1, 500).Select(i => Line($"2026-03-{1 + i % 14:D2}", $"Nguyễn Patient {i}", $"MRN-{i:D4}",
            i % 2 == 0 ? "Łukasz Wójcik" : "Zoë Ødegaard", VisitType.Routine, 95m + i % 3,
            kind: i % 50 == 0 ? "adjustment" : i % 70 == 0 ? "late" : "visit",
            amount: i % 50 == 0 ? -(95m + i % 3) : null, reason: i % 50 == 0 ? $"Correction {i}" : null)).ToList();
        var view = Invoice(lines);

        var pdf = ParsedPdf.Parse(InvoicePdf.Render(view, Issuer, BillTo));

        pdf.PageCount.ShouldBeGreaterThan(10);
        for (var n = 1; n <= pdf.PageCount; n++)
        {
            var page = pdf.Pages[n - 1];
            page.ShouldContain(TableHeader, $"page {n}");
            page[^1].ShouldBe($"INV-2026-000042 · Sunrise HH · please quote the invoice number with your payment Page {n} of {pdf.PageCount}");
            if (n > 1) page[0].ShouldBe("Ødegaard & Nguyễn Therapy Staffing Invoice INV-2026-000042 · Sunrise HH (continued)");
        }
        // Every line once, in order, on some page; the marks under the late and adjustment lines.
        var text = pdf.Lines.ToList();
        var rows = text.Where(l => l.Contains(" MRN-")).ToList();
        rows.Count.ShouldBe(500);
        for (var i = 1; i <= 500; i++)
        {
            var line = lines[i - 1];
            rows[i - 1].ShouldBe($"{line.VisitDate:MM/dd/yyyy} Nguyễn Patient {i} MRN-{i:D4} {line.Clinician} PT Routine " +
                                 $"${line.Rate:0.00} {(line.Amount < 0 ? "-" : "")}${Math.Abs(line.Amount):0.00}");
        }
        text.Count(l => l.StartsWith("↳ Adjustment (credit): Correction ")).ShouldBe(10);
        text.Count(l => l.StartsWith("↳ Late visit")).ShouldBe(lines.Count(l => l.Kind == "late"));
        var total = lines.Sum(l => l.Amount);
        total.ShouldBeGreaterThan(1000m);
        pdf.Pages[^1].ShouldContain($"Total {total.ToString("$#,##0.00", System.Globalization.CultureInfo.GetCultureInfo("en-US"))}");
        text.Count(l => l.StartsWith("Total $")).ShouldBe(1);
    }

    [Fact]
    public void without_the_font_files_the_host_is_told_which_package_to_install()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-fonts-{Guid.NewGuid():N}");
        Should.Throw<InvalidOperationException>(() => InvoiceFonts.Load(missing)).Message
            .ShouldBe($"Invoice PDFs need the font file {missing}/DejaVuSans.ttf (DejaVu Sans), which is missing. " +
                      "Install Debian's fonts-dejavu-core package: apt-get install -y fonts-dejavu-core (ops/run.sh and ops/test.sh do).");
        InvoiceFonts.Load(InvoiceFonts.Directory).GetFont("DejaVuSans").ShouldNotBeNull();
    }

    [Fact]
    public void a_credit_or_paid_invoice_says_nothing_is_due_instead_of_asking_for_money()
    {
        var pdf = ParsedPdf.Parse(InvoicePdf.Render(Invoice([
            Line("2026-03-10", "Zoë Ødegaard", "ZO-2", "Dana Kim", VisitType.Routine, 100m, kind: "adjustment", amount: -100m, reason: "Voided"),
        ]), Issuer, BillTo));
        pdf.Lines.ShouldContain("Balance due -$100.00");
        pdf.Lines.ShouldContain("This invoice is a credit of $100.00 to Sunrise HH; nothing is due.");
        pdf.Text.ShouldNotContain("Please remit");

        var paid = ParsedPdf.Parse(InvoicePdf.Render(Invoice([Line("2026-03-10", "Zoë Ødegaard", "ZO-2", "Dana Kim", VisitType.Routine, 100m)], paid: 100m),
            Issuer, BillTo));
        paid.Lines.ShouldContain("Balance due $0.00");
        paid.Lines.ShouldContain("Paid in full; nothing is due. Thank you.");
    }

    [Fact]
    public void a_patient_name_too_long_for_its_column_is_cut_with_an_ellipsis_not_overprinted()
    {
        var pdf = ParsedPdf.Parse(InvoicePdf.Render(Invoice([
            Line("2026-03-03", "Maximiliana Bartholomew-Featherstonehaugh", "M-1", "Dana Kim", VisitType.Routine, 95m),
        ]), Issuer, BillTo));
        pdf.Lines.ShouldContain(l => l.StartsWith("03/03/2026 Maximiliana Bartholo") && l.Contains("… M-1 Dana Kim PT Routine $95.00 $95.00"));
    }
}

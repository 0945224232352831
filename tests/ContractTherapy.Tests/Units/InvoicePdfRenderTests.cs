using ContractTherapy.Invoicing.Invoices;
using ContractTherapy.Invoicing.PrintingInvoices;
using ContractTherapy.Shared.Domain;

namespace ContractTherapy.Tests.Units;

public sealed class InvoicePdfRenderTests
{
    [Fact]
    public void a_long_invoice_renders_on_several_pages_and_reads_back()
    {
        var lines = Enumerable.Range(1, 80).Select(i => new InvoiceLineView(i % 7 == 0 ? "adjustment" : "visit", Guid.NewGuid(),
            new DateOnly(2026, 3, 1 + i % 28), $"Nguyễn Patient {i}", $"MRN-{i}", "Dana Kim", Discipline.PT, VisitType.Routine, 95m,
            i % 7 == 0 ? -95m : 95m, i % 7 == 0 ? "Visit voided after invoicing" : null)).ToList();
        var view = new InvoiceView(Guid.NewGuid(), "INV-2026-000042", Guid.NewGuid(), "Sunrise HH", Guid.NewGuid(), new DateOnly(2026, 3, 2),
            new DateOnly(2026, 3, 15), new DateOnly(2026, 3, 16), new DateOnly(2026, 4, 15), lines, lines.Sum(l => l.Amount), lines.Sum(l => l.Amount),
            0m, lines.Sum(l => l.Amount), "issued");

        var bytes = InvoicePdf.Render(view, "Acme Therapy Staffing");
        if (Environment.GetEnvironmentVariable("CT_SAVE_PDF") is { } path) File.WriteAllBytes(path, bytes);

        var pdf = Infrastructure.ParsedPdf.Parse(bytes);
        pdf.PageCount.ShouldBeGreaterThan(1);
        pdf.Title.ShouldBe("Invoice INV-2026-000042");
        pdf.Text.ShouldContain("INV-2026-000042");
        pdf.Text.ShouldContain("Acme Therapy Staffing");
        // Letters outside Windows-1252 lose their accents, not their place.
        pdf.Text.ShouldContain("Nguyen Patient 80");
        pdf.Text.ShouldContain("Adjustment: Visit voided after invoicing");
        pdf.Text.ShouldContain($"page {pdf.PageCount} of {pdf.PageCount}");
        pdf.Text.ShouldContain("-$95.00");
    }
}

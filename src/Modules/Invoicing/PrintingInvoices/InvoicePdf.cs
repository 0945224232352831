using System.Globalization;
using ContractTherapy.Invoicing.Invoices;
using ContractTherapy.Shared.Domain;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace ContractTherapy.Invoicing.PrintingInvoices;

/// <summary>A party named on the invoice: the tenant on its letterhead and as remit-to, the agency as bill-to.</summary>
public sealed record InvoiceParty(string Name, IReadOnlyList<string> AddressLines, IReadOnlyList<string> Contacts);

/// <summary>
/// Renders an invoice the way an accounts-payable clerk expects one: the tenant's letterhead, who
/// bills whom, number, period, dates and terms up top; one row per line; late visits and
/// adjustments marked under their row; totals, balance due and where to remit at the bottom.
/// US Letter, as many pages as the lines need, the table header repeated on each, "Page N of M"
/// in every footer. Drawn with PDFsharp (MIT) in DejaVu Sans, embedded (<see cref="InvoiceFonts"/>).
/// </summary>
public static class InvoicePdf
{
    private static readonly CultureInfo Us = CultureInfo.GetCultureInfo("en-US");
    private const double PageWidth = 612, PageHeight = 792, Margin = 40, Right = PageWidth - Margin;
    private const double RowHeight = 13, NoteHeight = 10, BodyBottom = PageHeight - 58;

    private sealed record Column(string Head, double Width, bool AlignRight = false);

    private static readonly Column[] Columns =
    [
        new("Date", 58), new("Patient", 112), new("MRN", 60), new("Clinician", 100), new("Disc.", 30), new("Visit type", 72),
        new("Rate", 46, true), new("Amount", 54, true),
    ];

    public static byte[] Render(InvoiceView invoice, InvoiceParty issuer, InvoiceParty billTo)
    {
        InvoiceFonts.Register();
        var ink = new Ink();
        using var document = new PdfDocument();
        document.Info.Title = $"Invoice {invoice.Number}";
        document.Info.Subject = $"{invoice.AgencyName} {invoice.PeriodStart:yyyy-MM-dd}..{invoice.PeriodEnd:yyyy-MM-dd}";
        document.Info.Author = issuer.Name;
        document.Info.Creator = "ContractTherapy";

        XGraphics? gfx = null;
        double y = 0;

        void NewPage(bool first, bool tableHeader)
        {
            gfx?.Dispose();
            var page = document.AddPage();
            page.Width = XUnit.FromPoint(PageWidth);
            page.Height = XUnit.FromPoint(PageHeight);
            gfx = XGraphics.FromPdfPage(page);
            y = first ? FirstPageHeader(gfx, ink, invoice, issuer, billTo) : ContinuationHeader(gfx, ink, invoice, issuer);
            if (tableHeader) y = TableHeader(gfx, ink, y);
        }

        NewPage(first: true, tableHeader: true);
        foreach (var line in invoice.Lines)
        {
            var note = line.Kind switch
            {
                "late" => "\u21b3 Late visit: dated in an earlier, already closed period",
                "adjustment" => $"\u21b3 Adjustment{(line.Amount < 0 ? " (credit)" : "")}: {line.Reason}",
                _ => null,
            };
            if (y + RowHeight + (note is null ? 0 : NoteHeight) > BodyBottom) NewPage(first: false, tableHeader: true);
            Row(gfx!, ink, y, line);
            y += RowHeight;
            if (note is null) continue;
            gfx!.DrawString(Fit(gfx, note, ink.Note, 420), ink.Note, ink.Marked, Margin + Columns[0].Width, y - 3);
            y += NoteHeight;
        }

        const double totalsHeight = 4 * 15 + 60;
        if (y + totalsHeight > BodyBottom) NewPage(first: false, tableHeader: false);
        Totals(gfx!, ink, y, invoice, issuer);
        gfx!.Dispose();

        for (var i = 0; i < document.PageCount; i++)
        {
            using var footer = XGraphics.FromPdfPage(document.Pages[i], XGraphicsPdfPageOptions.Append);
            footer.DrawLine(ink.Hairline, Margin, PageHeight - 42, Right, PageHeight - 42);
            footer.DrawString($"{invoice.Number}  \u00b7  {invoice.AgencyName}  \u00b7  please quote the invoice number with your payment",
                ink.Small, ink.Gray, Margin, PageHeight - 30);
            RightText(footer, $"Page {i + 1} of {document.PageCount}", ink.Small, ink.Gray, Right, PageHeight - 30);
        }

        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }

    private static double FirstPageHeader(XGraphics g, Ink ink, InvoiceView invoice, InvoiceParty issuer, InvoiceParty billTo)
    {
        // Letterhead on the left: the tenant, as its settings name it. On the right: the invoice's
        // number, period and dates, on the same 12-point lines.
        // A long name is set smaller before it is cut: the room is what "INVOICE" leaves.
        var room = Right - Margin - g.MeasureString("INVOICE", ink.Title).Width - 24;
        var letterhead = new[] { 15.0, 13, 11 }.Select(size => Ink.Font(size, bold: true))
            .FirstOrDefault(f => g.MeasureString(issuer.Name, f).Width <= room, Ink.Font(11, bold: true));
        g.DrawString(Fit(g, issuer.Name, letterhead, room), letterhead, ink.Black, Margin, Margin + 18);
        RightText(g, "INVOICE", ink.Title, ink.Accent, Right, Margin + 18);
        var y = Margin + 33;
        foreach (var text in issuer.AddressLines.Append(string.Join("  \u00b7  ", issuer.Contacts)).Where(t => t.Length > 0))
        {
            g.DrawString(Fit(g, text, ink.Body, 300), ink.Body, ink.Gray, Margin, y);
            y += 12;
        }
        RightText(g, invoice.Number, ink.Strong, ink.Black, Right, Margin + 33);
        var factY = Margin + 45;
        foreach (var (label, value) in new[]
                 {
                     ("Service period", $"{Date(invoice.PeriodStart)} \u2013 {Date(invoice.PeriodEnd)}"),
                     ("Issue date", Date(invoice.IssuedOn)),
                     ("Due date", $"{Date(invoice.DueOn)} (net {invoice.DueOn.DayNumber - invoice.IssuedOn.DayNumber})"),
                 })
        {
            var width = g.MeasureString(value, ink.BodyBold).Width;
            g.DrawString(value, ink.BodyBold, ink.Black, Right - width, factY);
            RightText(g, label, ink.Label, ink.Gray, Right - width - 8, factY);
            factY += 12;
        }

        y = Math.Max(y, factY) + 2;
        g.DrawLine(ink.Rule, Margin, y, Right, y);
        y += 18;

        // Bill to and remit to side by side.
        var billToBottom = Party(g, ink, "Bill to", billTo, Margin, y, 250);
        var remitBottom = Party(g, ink, "Remit to", issuer, Margin + 276, y, Right - Margin - 276);
        return Math.Max(billToBottom, remitBottom) + 10;
    }

    private static double Party(XGraphics g, Ink ink, string label, InvoiceParty party, double x, double y, double width)
    {
        g.DrawString(label.ToUpperInvariant(), ink.Label, ink.Gray, x, y);
        y += 12;
        g.DrawString(Fit(g, party.Name, ink.BodyBold, width), ink.BodyBold, ink.Black, x, y);
        y += 12;
        foreach (var text in party.AddressLines.Concat(party.Contacts))
        {
            g.DrawString(Fit(g, text, ink.Body, width), ink.Body, ink.Black, x, y);
            y += 12;
        }
        return y;
    }

    private static double ContinuationHeader(XGraphics g, Ink ink, InvoiceView invoice, InvoiceParty issuer)
    {
        var y = Margin + 12;
        g.DrawString(Fit(g, issuer.Name, ink.Strong, 300), ink.Strong, ink.Black, Margin, y);
        RightText(g, $"Invoice {invoice.Number} \u00b7 {invoice.AgencyName} (continued)", ink.Body, ink.Gray, Right, y);
        y += 8;
        g.DrawLine(ink.Rule, Margin, y, Right, y);
        return y + 14;
    }

    private static double TableHeader(XGraphics g, Ink ink, double y)
    {
        g.DrawRectangle(ink.Band, Margin, y - 10, Right - Margin, 15);
        var x = Margin;
        foreach (var column in Columns)
        {
            if (column.AlignRight) RightText(g, column.Head, ink.BodyBold, ink.Black, x + column.Width - 3, y);
            else g.DrawString(column.Head, ink.BodyBold, ink.Black, x + 3, y);
            x += column.Width;
        }
        return y + 17;
    }

    private static void Row(XGraphics g, Ink ink, double y, InvoiceLineView line)
    {
        string[] cells =
        [
            Date(line.VisitDate), line.PatientName ?? "", line.Mrn ?? "", line.Clinician, line.Discipline.ToString(), Display(line.VisitType),
            Money(line.Rate), Money(line.Amount),
        ];
        var x = Margin;
        for (var i = 0; i < Columns.Length; i++)
        {
            var column = Columns[i];
            var brush = i == Columns.Length - 1 && line.Amount < 0 ? ink.Marked : ink.Black;
            if (column.AlignRight) RightText(g, cells[i], ink.Body, brush, x + column.Width - 3, y);
            else g.DrawString(Fit(g, cells[i], ink.Body, column.Width - 6), ink.Body, brush, x + 3, y);
            x += column.Width;
        }
    }

    private static void Totals(XGraphics g, Ink ink, double y, InvoiceView invoice, InvoiceParty issuer)
    {
        y += 2;
        g.DrawLine(ink.Rule, Margin, y, Right, y);
        y += 16;
        const double labelX = Right - 190;
        foreach (var (label, value, strong) in new[]
                 {
                     ("Subtotal", invoice.Subtotal, false), ("Total", invoice.Total, true), ("Paid", invoice.AmountPaid, false),
                     ("Balance due", invoice.Balance, true),
                 })
        {
            var font = strong ? ink.Strong : ink.Body;
            g.DrawString(label, font, ink.Black, labelX, y);
            RightText(g, Money(value), font, ink.Black, Right - 3, y);
            y += 15;
        }
        y += 12;
        var remit = invoice.Balance switch
        {
            > 0 => $"Please remit {Money(invoice.Balance)} by {Date(invoice.DueOn)} to {issuer.Name}, quoting invoice {invoice.Number}.",
            0 when invoice.AmountPaid > 0 => "Paid in full; nothing is due. Thank you.",
            0 => "Nothing is due on this invoice.",
            _ => $"This invoice is a credit of {Money(-invoice.Balance)} to {invoice.AgencyName}; nothing is due.",
        };
        g.DrawString(Fit(g, remit, ink.Body, Right - Margin), ink.Body, ink.Gray, Margin, y);
    }

    private static void RightText(XGraphics g, string text, XFont font, XBrush brush, double right, double baseline) =>
        g.DrawString(text, font, brush, right - g.MeasureString(text, font).Width, baseline);

    /// <summary>The text, cut with an ellipsis when it is wider than the room it has.</summary>
    private static string Fit(XGraphics g, string text, XFont font, double width)
    {
        if (g.MeasureString(text, font).Width <= width) return text;
        var keep = text.Length - 1;
        while (keep > 0 && g.MeasureString(text[..keep] + "\u2026", font).Width > width) keep--;
        return text[..keep].TrimEnd() + "\u2026";
    }

    private static string Display(VisitType type) => type switch
    {
        VisitType.ReEvaluation => "Re-evaluation",
        VisitType.StartOfCare => "Start of care",
        VisitType.ResumptionOfCare => "Resumption of care",
        _ => type.ToString(),
    };

    private static string Date(DateOnly date) => date.ToString("MM/dd/yyyy", Us);

    private static string Money(decimal amount) => amount.ToString("$#,##0.00;-$#,##0.00", Us);

    /// <summary>Fonts, brushes and pens of one rendering (XFont is cheap, but one set per document keeps the drawing code short).</summary>
    private sealed class Ink
    {
        // The whole font file, not a subset: PDFsharp's subsetter follows composite glyphs one level
        // deep only, and DejaVu draws letters such as "ễ" from a composite of composites, which a
        // subset prints as a bare "e". Both faces cost about 750 KiB per PDF.
        private static readonly XPdfFontOptions Unicode = new(PdfFontEncoding.Unicode, PdfFontEmbedding.EmbedCompleteFontFile);
        public static XFont Font(double size, bool bold = false) =>
            new(InvoiceFonts.Family, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular, Unicode);

        public readonly XFont Title = Font(20, bold: true), Strong = Font(10, bold: true);
        public readonly XFont Body = Font(8), BodyBold = Font(8, bold: true), Label = Font(7.5), Note = Font(7), Small = Font(7);
        public readonly XBrush Black = XBrushes.Black, Gray = new XSolidBrush(XColor.FromArgb(90, 90, 90));
        public readonly XBrush Accent = new XSolidBrush(XColor.FromArgb(31, 78, 121)), Marked = new XSolidBrush(XColor.FromArgb(150, 60, 20));
        public readonly XBrush Band = new XSolidBrush(XColor.FromArgb(228, 234, 241));
        public readonly XPen Rule = new(XColor.FromArgb(120, 120, 120), 0.8), Hairline = new(XColor.FromArgb(180, 180, 180), 0.5);
    }
}

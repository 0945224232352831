using System.Globalization;
using ContractTherapy.Invoicing.Invoices;
using static ContractTherapy.Invoicing.PrintingInvoices.PdfWriter;

namespace ContractTherapy.Invoicing.PrintingInvoices;

/// <summary>
/// Renders an invoice the way an accounts-payable clerk expects one: who bills whom, number,
/// dates and terms up top; one row per visit; adjustments and late visits explained under their
/// row; totals and the balance due at the bottom. Letter size, paginated, numbered pages.
/// </summary>
public static class InvoicePdf
{
    private static readonly CultureInfo Us = CultureInfo.GetCultureInfo("en-US");
    private const double Margin = 48, Right = PageWidth - Margin, Bottom = PageHeight - 60;
    private static readonly double[] Cols = [Margin, 108, 218, 282, 382, 416];
    private const double RateRight = 500, AmountRight = Right;

    public static byte[] Render(InvoiceView invoice, string billerName)
    {
        var pdf = new PdfWriter();
        double y = 0;

        void Header(bool first)
        {
            pdf.NewPage();
            y = Margin + 20;
            if (first)
            {
                pdf.Text(Margin, y, "INVOICE", Font.Bold, 22);
                pdf.TextRight(Right, y - 8, billerName, Font.MonoBold, 10);
                y += 34;
                Field("Invoice number", invoice.Number, Margin);
                Field("Bill to", invoice.AgencyName, 300);
                y += 30;
                Field("Service period", $"{invoice.PeriodStart.ToString("MM/dd/yyyy", Us)} - {invoice.PeriodEnd.ToString("MM/dd/yyyy", Us)}", Margin);
                Field("Issued", invoice.IssuedOn.ToString("MM/dd/yyyy", Us), 300);
                Field("Due", invoice.DueOn.ToString("MM/dd/yyyy", Us), 420);
                y += 34;
            }
            string[] heads = ["Date", "Patient", "MRN", "Clinician", "Disc.", "Visit type"];
            for (var i = 0; i < heads.Length; i++) pdf.Text(Cols[i], y, heads[i], Font.Bold, 8.5);
            pdf.TextRight(RateRight, y, "Rate", Font.MonoBold, 8.5);
            pdf.TextRight(AmountRight, y, "Amount", Font.MonoBold, 8.5);
            y += 5;
            pdf.Rule(Margin, y, Right);
            y += 12;
        }

        void Field(string label, string value, double x)
        {
            pdf.Text(x, y, label, Font.Regular, 7.5, gray: 0.45);
            pdf.Text(x, y + 13, value, Font.Bold, 10);
        }

        Header(first: true);
        foreach (var line in invoice.Lines)
        {
            if (y > Bottom - 24) Header(first: false);
            pdf.Text(Cols[0], y, line.VisitDate.ToString("MM/dd/yyyy", Us), Font.Regular, 8.5);
            pdf.Text(Cols[1], y, Fit(line.PatientName ?? "", 22), Font.Regular, 8.5);
            pdf.Text(Cols[2], y, Fit(line.Mrn ?? "", 12), Font.Regular, 8.5);
            pdf.Text(Cols[3], y, Fit(line.Clinician, 20), Font.Regular, 8.5);
            pdf.Text(Cols[4], y, line.Discipline.ToString(), Font.Regular, 8.5);
            pdf.Text(Cols[5], y, Fit(line.VisitType.ToString(), 16), Font.Regular, 8.5);
            pdf.TextRight(RateRight, y, Money(line.Rate), Font.Mono, 8.5);
            pdf.TextRight(AmountRight, y, Money(line.Amount), Font.Mono, 8.5);
            y += 12;
            if (line.Kind != "visit")
            {
                pdf.Text(Cols[1], y - 2, Fit(line.Kind == "late" ? "Late visit from an earlier period" : $"Adjustment: {line.Reason}", 100),
                    Font.Regular, 7, gray: 0.4);
                y += 9;
            }
        }

        if (y > Bottom - 70) Header(first: false);
        y += 4;
        pdf.Rule(380, y, Right);
        y += 14;
        foreach (var (label, value, bold) in new[]
                 {
                     ("Subtotal", invoice.Subtotal, false), ("Total", invoice.Total, true), ("Paid", invoice.AmountPaid, false),
                     ("Balance due", invoice.Balance, true),
                 })
        {
            pdf.Text(390, y, label, bold ? Font.Bold : Font.Regular, 9.5);
            pdf.TextRight(AmountRight, y, Money(value), bold ? Font.MonoBold : Font.Mono, 9.5);
            y += 14;
        }

        for (var i = 0; i < pdf.PageCount; i++)
        {
            pdf.OnPage(i);
            pdf.Text(Margin, PageHeight - 30, $"{invoice.Number}  -  page {i + 1} of {pdf.PageCount}  -  please quote the invoice number with your payment",
                Font.Regular, 7, gray: 0.45);
        }
        return pdf.Save($"Invoice {invoice.Number}",
            $"{invoice.AgencyName} {invoice.PeriodStart:yyyy-MM-dd}..{invoice.PeriodEnd:yyyy-MM-dd}", billerName);
    }

    private static string Money(decimal amount) => amount.ToString("$#,##0.00;-$#,##0.00", Us);

    private static string Fit(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "\u2026";
}

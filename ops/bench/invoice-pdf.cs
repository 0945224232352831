#:project ../../src/Modules/Invoicing/ContractTherapy.Invoicing.csproj
#:property PublishAot=false
// Times the invoice PDF: a 500-line invoice (about 12 pages) rendered after a warm-up.
// Usage: dotnet run ops/bench/invoice-pdf.cs -c Release [-- lines=500 runs=20 out.pdf]
using System.Diagnostics;
using ContractTherapy.Invoicing.Invoices;
using ContractTherapy.Invoicing.PrintingInvoices;
using ContractTherapy.Shared.Domain;

var count = args.Select(a => a.StartsWith("lines=") ? int.Parse(a[6..]) : (int?)null).FirstOrDefault(n => n is not null) ?? 500;
var runs = args.Select(a => a.StartsWith("runs=") ? int.Parse(a[5..]) : (int?)null).FirstOrDefault(n => n is not null) ?? 20;
var output = args.FirstOrDefault(a => a.EndsWith(".pdf"));

string[] clinicians = ["Łukasz Wójcik", "Zoë Ødegaard", "Nguyễn Thị Ánh", "O'Brien-Saint Claire", "Dana Kim"];
var lines = Enumerable.Range(1, count).Select(i => new InvoiceLineView(i % 40 == 0 ? "adjustment" : i % 55 == 0 ? "late" : "visit", Guid.NewGuid(),
    new DateOnly(2026, 3, 2).AddDays(i % 14), $"Patient {i} Nguyễn", $"MRN-{i:D5}", clinicians[i % clinicians.Length], Discipline.PT,
    (VisitType)(i % 4), 95m + i % 5, i % 40 == 0 ? -(95m + i % 5) : 95m + i % 5, i % 40 == 0 ? "Visit corrected after invoicing" : null)).ToList();
var total = lines.Sum(l => l.Amount);
var invoice = new InvoiceView(Guid.NewGuid(), "INV-2026-000123", Guid.NewGuid(), "Sunrise HH", Guid.NewGuid(), new DateOnly(2026, 3, 2),
    new DateOnly(2026, 3, 15), new DateOnly(2026, 3, 16), new DateOnly(2026, 4, 15), lines, total, total, 0m, total, "issued");
var issuer = new InvoiceParty("Demo Therapy Staffing LLC", ["100 State St", "Albany, NY 12207"], ["518-555-0199", "books@demo-therapy.example"]);
var billTo = new InvoiceParty("Sunrise HH", ["9 Lake Rd", "Troy, NY 12180"], ["ap@sunrise.example"]);

var first = Stopwatch.StartNew();
var bytes = InvoicePdf.Render(invoice, issuer, billTo);
first.Stop();
for (var i = 0; i < 3; i++) InvoicePdf.Render(invoice, issuer, billTo);
var times = new List<double>();
for (var i = 0; i < runs; i++)
{
    var sw = Stopwatch.StartNew();
    InvoicePdf.Render(invoice, issuer, billTo);
    times.Add(sw.Elapsed.TotalMilliseconds);
}
times.Sort();
var pages = System.Text.RegularExpressions.Regex.Matches(System.Text.Encoding.Latin1.GetString(bytes), @"/Type\s*/Page\b").Count;
Console.WriteLine($"{count} lines, {pages} pages, {bytes.Length / 1024} KiB; first render (cold, font loading and JIT) {first.Elapsed.TotalMilliseconds:0} ms; " +
                  $"warm over {runs} runs: median {times[runs / 2]:0.0} ms, min {times[0]:0.0} ms, max {times[^1]:0.0} ms");
if (output is not null) File.WriteAllBytes(output, bytes);

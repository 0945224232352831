using System.Globalization;
using ContractTherapy.Payments.Payees;
using ContractTherapy.Shared.Security;
using ContractTherapy.Shared.Tenancy;
using CsvHelper;

namespace ContractTherapy.Payments.TaxReporting;

public sealed record NecContractor(Guid ContractorId, string Name, string? TinMasked, bool W9OnFile, decimal Total, decimal ExcludedTotal,
    bool Reportable);

public sealed record NecYear(int Year, decimal Threshold, DateOnly DueOn, IReadOnlyList<NecContractor> Contractors);

/// <summary>The three CSV files the accountant exports (built with CsvHelper, RFC 4180 quoting).</summary>
public static class NecReports
{
    public static NecYear Build(int year, decimal threshold, DateOnly dueOn, IReadOnlyList<ContractorTaxYear> years,
        IReadOnlyDictionary<Guid, ContractorPayee> payees) => new(year, threshold, dueOn, years
        .Select(y =>
        {
            payees.TryGetValue(y.ContractorId, out var payee);
            return new NecContractor(y.ContractorId, payee?.LegalName ?? "(unknown contractor)",
                payee?.W9 is { } w ? Tin.Mask(w.TinLast4) : null, payee?.W9 is not null, y.Total, y.ExcludedTotal,
                TaxYearRules.Reportable(y.Total, threshold));
        })
        .OrderBy(c => c.Name, StringComparer.Ordinal).ThenBy(c => c.ContractorId).ToList());

    public static string Summary(NecYear report) => Write(csv =>
    {
        foreach (var h in new[] { "Contractor Id", "Name", "TIN", "W-9", "Total", "Excluded", "Threshold", "Reportable" }) csv.WriteField(h);
        csv.EndRecord();
        foreach (var c in report.Contractors)
        {
            csv.WriteField(c.ContractorId.ToString());
            csv.WriteField(c.Name);
            csv.WriteField(c.TinMasked ?? "");
            csv.WriteField(c.W9OnFile ? "on file" : "missing");
            csv.WriteField(Amount(c.Total));
            csv.WriteField(Amount(c.ExcludedTotal));
            csv.WriteField(Amount(report.Threshold));
            csv.WriteField(c.Reportable ? "yes" : "no");
            csv.EndRecord();
        }
    });

    public static string Ledger(int year, IReadOnlyList<ContractorTaxYear> years, IReadOnlyDictionary<Guid, ContractorPayee> payees) => Write(csv =>
    {
        foreach (var h in new[] { "Contractor Id", "Name", "Payment Id", "Paid On", "Method", "Amount", "Included", "Reason" }) csv.WriteField(h);
        csv.EndRecord();
        foreach (var y in years.OrderBy(y => payees.TryGetValue(y.ContractorId, out var p) ? p.LegalName : "", StringComparer.Ordinal))
        foreach (var p in y.Payments.OrderBy(p => p.PaidOn).ThenBy(p => p.PaymentId))
        {
            csv.WriteField(y.ContractorId.ToString());
            csv.WriteField(payees.TryGetValue(y.ContractorId, out var payee) ? payee.LegalName : "");
            csv.WriteField(p.PaymentId.ToString());
            csv.WriteField(p.PaidOn.ToString("yyyy-MM-dd"));
            csv.WriteField(p.Method);
            csv.WriteField(Amount(p.Amount));
            csv.WriteField(p.Reversed ? "no" : p.Included ? "yes" : "no");
            csv.WriteField(p.Reversed ? "Reversed by Stripe; not paid." : p.ExclusionReason ?? "");
            csv.EndRecord();
        }
    });

    /// <summary>The IRIS bulk-upload file: one row per reportable contractor with a W-9, full TINs (accountant and owner only).</summary>
    public static string Iris(int year, IReadOnlyList<string> columns, NecYear report, Payer payer, string payerTin,
        IReadOnlyDictionary<Guid, ContractorPayee> payees, Func<string, string> decrypt) => Write(csv =>
    {
        foreach (var column in columns) csv.WriteField(column);
        csv.EndRecord();
        foreach (var c in report.Contractors.Where(c => c.Reportable && c.W9OnFile))
        {
            var w9 = payees[c.ContractorId].W9!;
            var business = w9.TinType == "EIN" || !string.IsNullOrWhiteSpace(w9.BusinessName);
            var names = w9.LegalName.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var values = new Dictionary<string, string>
            {
                ["Form Type"] = "1099-NEC",
                ["Tax Year"] = year.ToString(CultureInfo.InvariantCulture),
                ["Payer TIN Type"] = payer.TinType,
                ["Payer Taxpayer ID Number"] = payerTin,
                ["Payer Name Type"] = "Business",
                ["Payer Business or Entity Name Line 1"] = payer.Name,
                ["Payer Country"] = "US",
                ["Payer Address Line 1"] = payer.Address.Line1 ?? "",
                ["Payer Address Line 2"] = payer.Address.Line2 ?? "",
                ["Payer City/Town"] = payer.Address.City ?? "",
                ["Payer State/Province/Territory"] = payer.Address.State ?? "",
                ["Payer ZIP/Postal Code"] = payer.Address.Zip ?? "",
                ["Payer Phone Type"] = payer.Phone is null ? "" : "Business",
                ["Payer Phone"] = payer.Phone ?? "",
                ["Payer Email Address"] = payer.Email ?? "",
                ["Recipient TIN Type"] = w9.TinType,
                ["Recipient Taxpayer ID Number"] = decrypt(w9.EncryptedTin),
                ["Recipient Name Type"] = business ? "Business" : "Individual",
                ["Recipient Business or Entity Name Line 1"] = business ? w9.BusinessName ?? w9.LegalName : "",
                ["Recipient Business or Entity Name Line 2"] = business && w9.BusinessName is not null ? w9.LegalName : "",
                ["Recipient First Name"] = business ? "" : names.FirstOrDefault() ?? "",
                ["Recipient Middle Name"] = business || names.Length < 3 ? "" : string.Join(' ', names[1..^1]),
                ["Recipient Last Name"] = business || names.Length < 2 ? "" : names[^1],
                ["Recipient Country"] = "US",
                ["Recipient Address Line 1"] = w9.Address.Line1 ?? "",
                ["Recipient Address Line 2"] = w9.Address.Line2 ?? "",
                ["Recipient City/Town"] = w9.Address.City ?? "",
                ["Recipient State/Province/Territory"] = w9.Address.State ?? "",
                ["Recipient ZIP/Postal Code"] = w9.Address.Zip ?? "",
                ["Form Account Number"] = c.ContractorId.ToString("N")[..20],
                ["Box 1 - Nonemployee Compensation"] = Amount(c.Total),
                ["Box 4 - Federal income tax withheld"] = "0.00",
            };
            foreach (var column in columns) csv.WriteField(values.GetValueOrDefault(column, ""));
            csv.EndRecord();
        }
    });

    private static string Amount(decimal value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Write(Action<CsvWriter> write)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, options: null, leaveOpen: true))
        {
            write(csv);
            csv.Flush();
        }
        return text.ToString();
    }
}

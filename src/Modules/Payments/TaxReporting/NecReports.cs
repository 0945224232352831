using System.Globalization;
using ContractTherapy.Contractors.Contractors;
using ContractTherapy.Payments.Payees;
using ContractTherapy.Shared.Exports;
using ContractTherapy.Shared.Security;
using ContractTherapy.Shared.Tenancy;
using CsvHelper;

namespace ContractTherapy.Payments.TaxReporting;

/// <summary>A contractor record's year. <c>Reportable</c> is null while the year has no threshold configured (README, settings).</summary>
public sealed record NecContractor(Guid ContractorId, string Name, string? TinMasked, bool W9OnFile, decimal Total, decimal ExcludedTotal,
    bool? Reportable)
{
    /// <summary>Whether a 1099-NEC is filed for this record: reportable, and a W-9 to file it with.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Filed => Reportable == true && W9OnFile;
}

/// <summary>
/// A tax year's totals. <c>Threshold</c> is null for a year whose threshold is not configured yet (a year under way
/// before the IRS publishes its inflation-indexed figure): the totals are known, who is reportable is not, and the
/// IRIS file is refused until it is configured.
/// </summary>
public sealed record NecYear(int Year, decimal? Threshold, DateOnly DueOn, IReadOnlyList<NecContractor> Contractors);

/// <summary>A value the IRIS file cannot carry exactly: it starts like a spreadsheet formula (see <see cref="CsvExport"/>).</summary>
public sealed record IrisRefusal(string Column, Guid? ContractorId);

/// <summary>
/// The three CSV files the accountant exports, written through <see cref="CsvExport"/>: the summary and
/// the ledger for a spreadsheet, the IRIS file with exact values.
/// </summary>
public static class NecReports
{
    /// <summary>
    /// One row per contractor record, each with its own total; whether a row is reportable is decided on everything the
    /// year paid to its TIN (domain: totals are per contractor by TIN), so a taxpayer onboarded twice, each record under
    /// the threshold, still gets 1099-NECs (one per record, told apart by their account numbers in the IRIS file, as the
    /// IRS instructions provide for several returns of one type to one recipient). <paramref name="tinOf"/> reads a W-9's
    /// TIN; records without a W-9 stand alone.
    /// </summary>
    public static NecYear Build(int year, decimal? threshold, DateOnly dueOn, IReadOnlyList<ContractorTaxYearTotals> years,
        IReadOnlyDictionary<Guid, ContractorPayee> payees, Func<string, string> tinOf)
    {
        var rows = years.Select(y =>
        {
            payees.TryGetValue(y.ContractorId, out var payee);
            return (Totals: y, Payee: payee, Taxpayer: payee?.W9 is { } w ? "tin " + tinOf(w.EncryptedTin) : "record " + y.ContractorId);
        }).ToList();
        var paidTo = rows.GroupBy(r => r.Taxpayer).ToDictionary(g => g.Key, g => g.Sum(r => r.Totals.Total));
        return new(year, threshold, dueOn, rows
            .Select(r => new NecContractor(r.Totals.ContractorId, r.Payee?.LegalName ?? "(unknown contractor)",
                r.Payee?.W9 is { } w ? Tin.Mask(w.TinLast4) : null, r.Payee?.W9 is not null, r.Totals.Total, r.Totals.ExcludedTotal,
                threshold is { } t ? TaxYearRules.Reportable(paidTo[r.Taxpayer], t) : null))
            .OrderBy(c => c.Name, StringComparer.Ordinal).ThenBy(c => c.ContractorId).ToList());
    }

    public static byte[] Summary(NecYear report) => CsvExport.Write(CsvExport.ForSpreadsheets, csv =>
    {
        foreach (var h in new[] { "Contractor Id", "Name", "TIN", "W-9", "Total", "Excluded", "Threshold", "Reportable" }) csv.WriteField(h);
        csv.EndRecord();
        foreach (var c in report.Contractors)
        {
            csv.WriteField(c.ContractorId.ToString());
            csv.WriteField(c.Name);
            csv.WriteField(c.TinMasked ?? "");
            csv.WriteField(c.W9OnFile ? "on file" : "missing");
            csv.WriteField(c.Total, AmountFormat);
            csv.WriteField(c.ExcludedTotal, AmountFormat);
            if (report.Threshold is { } threshold) csv.WriteField(threshold, AmountFormat);
            else csv.WriteField("not configured");
            csv.WriteField(c.Reportable switch { true => "yes", false => "no", null => "pending" });
            csv.EndRecord();
        }
    });

    public static byte[] Ledger(int year, IReadOnlyList<ContractorTaxYear> years, IReadOnlyDictionary<Guid, ContractorPayee> payees) =>
        CsvExport.Write(CsvExport.ForSpreadsheets, csv =>
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
            csv.WriteField(p.Amount, AmountFormat);
            csv.WriteField(p.Reversed ? "no" : p.Included ? "yes" : "no");
            csv.WriteField(p.Reversed ? "Reversed by Stripe; not paid." : p.ExclusionReason ?? "");
            csv.EndRecord();
        }
    });

    /// <summary>
    /// The IRIS bulk-upload file: one row per reportable contractor with a W-9, full TINs (accountant and owner only).
    /// Every value is written exactly as recorded (the IRS matches names and TINs as filed): amounts as numbers
    /// (never negative here: reportable totals are at least the threshold, Box 4 is 0.00), codes and TINs as they
    /// are, and free text (names, addresses, phone, e-mail) unescaped. A free-text value that starts like a formula
    /// is refused instead of altered: the first such value is returned and nothing is written.
    /// </summary>
    public static (byte[]? Csv, IrisRefusal? Refused) Iris(int year, IReadOnlyList<string> columns, NecYear report, Payer payer, string payerTin,
        IReadOnlyDictionary<Guid, ContractorPayee> payees, Func<string, string> decrypt)
    {
        // What each column holds is looked up once per file, not once per row and column: the payer's
        // values are the same on every row, a recipient's are read from its W-9 (10,000 rows x 50 columns).
        var payerValues = new Dictionary<string, string>
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
        };
        var fixedText = columns.Select(c => payerValues.GetValueOrDefault(c)).ToArray();
        var recipientText = columns.Select(c => RecipientColumns.GetValueOrDefault(c)).ToArray();
        var amount = columns.Select(c => AmountColumns.GetValueOrDefault(c)).ToArray();

        var rows = new List<(NecContractor Contractor, string[] Text)>();
        foreach (var c in report.Contractors.Where(c => c.Filed))
        {
            var w9 = payees[c.ContractorId].W9!;
            var recipient = new IrisRecipient(c, w9, w9.TinType == "EIN" || !string.IsNullOrWhiteSpace(w9.BusinessName),
                w9.LegalName.Split(' ', StringSplitOptions.RemoveEmptyEntries), decrypt(w9.EncryptedTin));
            var text = new string[columns.Count];
            for (var i = 0; i < columns.Count; i++)
            {
                var value = fixedText[i] ?? recipientText[i]?.Invoke(recipient);
                if (value is not null && CsvExport.StartsLikeFormula(value))
                    return (null, new IrisRefusal(columns[i], columns[i].StartsWith("Payer", StringComparison.Ordinal) ? null : c.ContractorId));
                text[i] = value ?? "";
            }
            rows.Add((c, text));
        }

        return (CsvExport.Write(CsvExport.Exact, csv =>
        {
            foreach (var column in columns) csv.WriteField(column);
            csv.EndRecord();
            foreach (var (contractor, text) in rows)
            {
                for (var i = 0; i < columns.Count; i++)
                    if (amount[i] is { } box) csv.WriteField(box(contractor), AmountFormat);
                    else csv.WriteField(text[i]);
                csv.EndRecord();
            }
        }), null);
    }

    private sealed record IrisRecipient(NecContractor Contractor, W9OnFile W9, bool Business, string[] Names, string Tin);

    private static readonly Dictionary<string, Func<IrisRecipient, string>> RecipientColumns = new()
    {
        ["Recipient TIN Type"] = r => r.W9.TinType,
        ["Recipient Taxpayer ID Number"] = r => r.Tin,
        ["Recipient Name Type"] = r => r.Business ? "Business" : "Individual",
        ["Recipient Business or Entity Name Line 1"] = r => r.Business ? r.W9.BusinessName ?? r.W9.LegalName : "",
        ["Recipient Business or Entity Name Line 2"] = r => r.Business && r.W9.BusinessName is not null ? r.W9.LegalName : "",
        ["Recipient First Name"] = r => r.Business ? "" : r.Names.FirstOrDefault() ?? "",
        ["Recipient Middle Name"] = r => r.Business || r.Names.Length < 3 ? "" : string.Join(' ', r.Names[1..^1]),
        ["Recipient Last Name"] = r => r.Business || r.Names.Length < 2 ? "" : r.Names[^1],
        ["Recipient Country"] = _ => "US",
        ["Recipient Address Line 1"] = r => r.W9.Address.Line1 ?? "",
        ["Recipient Address Line 2"] = r => r.W9.Address.Line2 ?? "",
        ["Recipient City/Town"] = r => r.W9.Address.City ?? "",
        ["Recipient State/Province/Territory"] = r => r.W9.Address.State ?? "",
        ["Recipient ZIP/Postal Code"] = r => r.W9.Address.Zip ?? "",
        ["Form Account Number"] = r => r.Contractor.ContractorId.ToString("N")[..20],
    };

    private static readonly Dictionary<string, Func<NecContractor, decimal>> AmountColumns = new()
    {
        ["Box 1 - Nonemployee Compensation"] = c => c.Total,
        ["Box 4 - Federal income tax withheld"] = _ => 0m,
    };

    private const string AmountFormat = "0.00";
}

using System.Net.Http.Headers;
using System.Text;
using ContractTherapy.Tests.Infrastructure;

namespace ContractTherapy.Tests.Tax;

/// <summary>
/// The CSV exports are safe to open in a spreadsheet (no cell runs as a formula), carry any name
/// exactly (commas, quotes, non-Latin letters), say their encoding, and the IRIS file keeps the
/// exact values the IRS template needs.
/// </summary>
public sealed class CsvExportTests(AppFixture app) : IntegrationTest(app)
{
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];
    private const string Irish = "O'Brien, \"Doc\" Saint-Claire";
    private const string Vietnamese = "Nguyễn Thị Ánh";

    private async Task<Guid> Contractor(string name, string? businessName = null, string tinType = "SSN", string tin = "123-45-6789")
    {
        var id = await Api.OnboardedContractor(name);
        (await Api.Put($"/api/contractors/{id}/w9", new
        {
            tinType, tin, legalName = name, businessName, taxClassification = "individual",
            address = new { line1 = "12 Elm St, Apt 3", city = "Albany", state = "NY", zip = "12207" }, certifiedOn = "2025-01-05",
        })).ShouldBe(200);
        (await Api.Post("/api/payments/manual", new { contractorId = id, amount = 2345.67m, paidOn = "2026-02-01", method = "check", reference = "R1" },
            role: "payroll")).ShouldBe(201);
        return id;
    }

    private async Task SetPayer(string name = "Acme Therapy Staffing LLC") => (await Api.Put("/api/settings", new
    {
        billingCycle = new { frequency = "biweekly", firstCycleStartsOn = "2026-03-02" },
        requireSignedNote = true,
        timeZone = "America/New_York",
        payer = new { name, ein = "98-7654321", address = new { line1 = "1 Main St", city = "Albany", state = "NY", zip = "12207" },
            phone = "518-555-0100", email = "books@acme.example" },
    })).ShouldBe(200);

    /// <summary>The file's bytes as downloaded (the Reply's text would hide a byte order mark).</summary>
    private async Task<byte[]> Download(string url, string role = "accountant")
    {
        await Api.ProjectionsCaughtUp();
        using var client = App.Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await Api.Token(role));
        using var response = await client.GetAsync(url);
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.ToString().ShouldBe("text/csv; charset=utf-8");
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static (IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyDictionary<string, string>> Rows) ParseUtf8(byte[] file, bool bom)
    {
        file.AsSpan(0, 3).SequenceEqual(Bom).ShouldBe(bom);
        return Csv.Parse(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(file, bom ? 3 : 0, file.Length - (bom ? 3 : 0)));
    }

    [Fact]
    public async Task formula_prefixed_names_are_plain_text_in_the_summary_and_the_ledger()
    {
        string[] names = ["=HYPERLINK(\"http://evil.example\",\"Click\")", "+1+2", "-3+4", "@SUM(A1:A9)"];
        foreach (var name in names) await Contractor(name);

        foreach (var url in new[] { "/api/tax/1099-nec/2026/summary.csv", "/api/tax/1099-nec/2026/ledger.csv" })
        {
            var file = await Download(url);
            var text = Encoding.UTF8.GetString(file);
            foreach (var name in names)
            {
                // Escaped with a leading apostrophe (Excel's "this is text") and quoted: never a bare formula cell.
                text.ShouldNotContain($",{name}", Case.Sensitive, url);
                text.ShouldNotContain($",\"{name.Replace("\"", "\"\"")}\"", Case.Sensitive, url);
                text.ShouldContain($",\"'{name.Replace("\"", "\"\"")}\"", Case.Sensitive, url);
            }
            var (_, rows) = ParseUtf8(file, bom: true);
            rows.Select(r => r["Name"]).OrderBy(n => n, StringComparer.Ordinal)
                .ShouldBe(names.Select(n => "'" + n).OrderBy(n => n, StringComparer.Ordinal), url);
            // Amounts stay numbers.
            rows.ShouldAllBe(r => (r.ContainsKey("Total") ? r["Total"] : r["Amount"]) == "2345.67");
        }
    }

    [Fact]
    public async Task names_with_commas_quotes_and_non_latin_letters_round_trip_and_the_spreadsheet_files_start_with_a_bom()
    {
        var obrien = await Contractor(Irish);
        var nguyen = await Contractor(Vietnamese, tin: "234-56-7890");
        foreach (var url in new[] { "/api/tax/1099-nec/2026/summary.csv", "/api/tax/1099-nec/2026/ledger.csv" })
        {
            var (_, rows) = ParseUtf8(await Download(url), bom: true);
            rows.Single(r => r["Contractor Id"] == obrien.ToString())["Name"].ShouldBe(Irish, url);
            rows.Single(r => r["Contractor Id"] == nguyen.ToString())["Name"].ShouldBe(Vietnamese, url);
        }
    }

    [Fact]
    public async Task the_iris_file_keeps_every_value_exact_with_no_bom()
    {
        await SetPayer("Acme Therapy Staffing, LLC");
        var business = await Contractor(Vietnamese, businessName: Irish);
        var person = await Contractor("Ánh Thị Nguyễn-Smith", tin: "234-56-7890");

        var file = await Download("/api/tax/1099-nec/2026/iris.csv");
        file.AsSpan(0, "Form Type,".Length).SequenceEqual("Form Type,"u8).ShouldBeTrue();
        var (headers, rows) = ParseUtf8(file, bom: false);
        headers[0].ShouldBe("Form Type");
        rows.Count.ShouldBe(2);
        rows.SelectMany(r => r.Values).ShouldNotContain(v => v.StartsWith('\''));

        var b = rows.Single(r => r["Recipient Taxpayer ID Number"] == "123456789");
        b["Recipient Name Type"].ShouldBe("Business");
        b["Recipient Business or Entity Name Line 1"].ShouldBe(Irish);
        b["Recipient Business or Entity Name Line 2"].ShouldBe(Vietnamese);
        b["Recipient Address Line 1"].ShouldBe("12 Elm St, Apt 3");
        b["Payer Business or Entity Name Line 1"].ShouldBe("Acme Therapy Staffing, LLC");
        b["Box 1 - Nonemployee Compensation"].ShouldBe("2345.67");
        b["Box 4 - Federal income tax withheld"].ShouldBe("0.00");
        b["Form Account Number"].ShouldBe(business.ToString("N")[..20]);

        var p = rows.Single(r => r["Recipient Taxpayer ID Number"] == "234567890");
        (p["Recipient First Name"], p["Recipient Middle Name"], p["Recipient Last Name"]).ShouldBe(("Ánh", "Thị", "Nguyễn-Smith"));
        p["Form Account Number"].ShouldBe(person.ToString("N")[..20]);
    }

    [Fact]
    public async Task the_iris_file_refuses_a_value_that_starts_like_a_formula_rather_than_alter_it()
    {
        await SetPayer();
        await Contractor("Dana Kim");
        var bad = await Contractor("=cmd|' /C calc'!A0 Kim", tin: "234-56-7890");

        var refused = (await Api.TaxReport("/api/tax/1099-nec/2026/iris.csv", role: "accountant")).ShouldBeProblem(422).Json;
        refused["rule"]!.GetValue<string>().ShouldBe("iris-plain-values");
        refused["column"]!.GetValue<string>().ShouldBe("Recipient First Name");
        refused["contractorId"]!.GetValue<string>().ShouldBe(bad.ToString());
        // Nothing was handed out, so no TIN read is logged.
        (await Api.Get("/api/audit/access-log", role: "compliance")).Json["items"]!.AsArray()
            .ShouldNotContain(e => e!["recordKind"]!.GetValue<string>() == "tin");

        await SetPayer("@Acme");
        (await Api.Put($"/api/contractors/{bad}/w9", new
        {
            tinType = "SSN", tin = "234-56-7890", legalName = "Cal Kim", taxClassification = "individual",
            address = new { line1 = "12 Elm St", city = "Albany", state = "NY", zip = "12207" }, certifiedOn = "2025-01-05",
        })).ShouldBe(200);
        var payer = (await Api.TaxReport("/api/tax/1099-nec/2026/iris.csv", role: "accountant")).ShouldBeProblem(422).Json;
        payer["column"]!.GetValue<string>().ShouldBe("Payer Business or Entity Name Line 1");
        payer["detail"]!.GetValue<string>().ShouldContain("payer");
    }
}

using ContractTherapy.Payments.Payees;
using ContractTherapy.Payments.TaxReporting;
using ContractTherapy.Shared.Audit;
using ContractTherapy.Shared.Exports;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using ContractTherapy.Shared.Tenancy;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Payments.ExportingTaxForms;

/// <summary>
/// Year-end 1099-NEC: totals per contractor per calendar year of the date paid, and the
/// accountant's three exports. The full TIN appears only in iris.csv, only for the accountant
/// and the owner, and each download of it is recorded in the access log.
/// </summary>
public static class NecEndpoints
{
    [WolverineGet("/api/tax/1099-nec/{year}"), Authorize(Policy = Policies.TaxRead), Tags("1099-NEC")]
    [ProducesResponseType<NecYearReading>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(int year, string? asOf, HttpContext http, IQuerySession session, TaxYearRules rules, FieldCipher cipher,
        CancellationToken ct)
    {
        if (!Dates.TryReadInstant("asOf", asOf, out var at, out var bad)) return bad!;
        // How far the totals trail is read before the totals themselves (see TaxYearFreshness).
        var (through, pending) = at is null ? await TaxYearFreshness.Of(session, ct) : (0L, 0);
        var (report, problem, _) = await Load(year, session, rules, cipher, ct, at);
        if (problem is not null) return problem;
        var caller = Caller.From(http.User);
        if (caller.Role == Roles.Contractor)
            report = report! with { Contractors = report.Contractors.Where(c => caller.IsContractor(c.ContractorId)).ToList() };
        var reading = NecYearReading.Current(report!);
        if (at is not null) return Results.Ok(reading);
        return Results.Ok(caller.Role == Roles.Contractor
            ? reading with { Stale = pending > 0, PendingPayments = null }
            : reading with { Stale = pending > 0, PendingPayments = pending, ProjectedThrough = through });
    }

    [WolverineGet("/api/tax/1099-nec/{year}/summary.csv"), Authorize(Policy = Policies.TaxExport), Tags("1099-NEC")]
    public static async Task<IResult> Summary(int year, IQuerySession session, TaxYearRules rules, FieldCipher cipher, CancellationToken ct)
    {
        var (report, problem, _) = await Load(year, session, rules, cipher, ct);
        return problem ?? CsvExport.File(NecReports.Summary(report!), $"1099-nec-{year}-summary.csv");
    }

    [WolverineGet("/api/tax/1099-nec/{year}/ledger.csv"), Authorize(Policy = Policies.TaxExport), Tags("1099-NEC")]
    public static async Task<IResult> Ledger(int year, IQuerySession session, TaxYearRules rules, CancellationToken ct)
    {
        if (BadYear(year) is { } problem) return problem;
        // The ledger lists every payment, so it reads the whole documents.
        var years = await session.Query<ContractorTaxYear>().Where(y => y.Year == year).ToListAsync(ct);
        var payees = await Payees(session, years.Select(y => y.ContractorId), ct);
        return CsvExport.File(NecReports.Ledger(year, years, payees), $"1099-nec-{year}-ledger.csv");
    }

    [WolverineGet("/api/tax/1099-nec/{year}/iris.csv"), Authorize(Policy = Policies.TaxExport), Tags("1099-NEC")]
    // Refused (422) without the year's threshold or IRIS columns, without the payer's details, or for a value that starts
    // like a spreadsheet formula; the rule is named in the problem.
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public static async Task<IResult> Iris(int year, HttpContext http, IDocumentSession session, TaxYearRules rules, FieldCipher cipher,
        TimeProvider clock, CancellationToken ct)
    {
        var (report, problem, payees) = await Load(year, session, rules, cipher, ct);
        if (problem is not null) return problem;
        // Who is filed for depends on the threshold: no file until the year's is configured.
        if (report!.Threshold is null) return ThresholdMissing(year);
        var columns = IrisTemplate.ColumnsFor(year);
        if (columns is null)
            return Problems.Refused("iris-template-known", $"No IRIS 1099-NEC column template is configured for tax year {year}.");
        var caller = Caller.From(http.User);
        var settings = await session.SettingsFor(caller.TenantId, clock, ct);
        if (settings.Payer is not { } payer)
            return Problems.Refused("payer-details", "Set the payer's name, EIN and address in the tenant settings before exporting for IRIS.");

        using var tins = cipher.DecryptorFor(caller.TenantId);
        var (csv, refused) = NecReports.Iris(year, columns, report!, payer, tins.Decrypt(payer.EncryptedTin), payees, tins.Decrypt);
        if (refused is not null)
            return Problems.Refused("iris-plain-values",
                $"'{refused.Column}' of {(refused.ContractorId is { } id ? $"contractor {id}" : "the payer")} starts with a character a spreadsheet runs as a formula " +
                "(= + - @, tab or carriage return). The IRIS file carries values exactly as recorded, so correct the " +
                (refused.ContractorId is null ? "payer in the settings" : "contractor's W-9") + " and export again.",
                new Dictionary<string, object?> { ["column"] = refused.Column, ["contractorId"] = refused.ContractorId });
        session.RecordPhiRead(caller, clock.GetUtcNow(), "GET /api/tax/1099-nec/{year}/iris.csv", "tin",
            report!.Contractors.Where(c => c.Filed).Select(c => c.ContractorId).ToList());
        return CsvExport.File(csv!, $"1099-nec-{year}-iris.csv");
    }

    private static async Task<(NecYear? Report, IResult? Problem, IReadOnlyDictionary<Guid, ContractorPayee> Payees)>
        Load(int year, IQuerySession session, TaxYearRules rules, FieldCipher cipher, CancellationToken ct, DateTimeOffset? asOf = null)
    {
        if (BadYear(year) is { } problem) return (null, problem, new Dictionary<Guid, ContractorPayee>());

        // asOf: the totals as they stood then, folded from the payment events recorded by that moment.
        // Now: the totals the projection stored, without the payments they were added up from.
        IReadOnlyList<ContractorTaxYearTotals> years = asOf is { } moment
            ? (await TaxYearHistory.AsOf(session, year, moment, ct)).Select(ContractorTaxYearTotals.Of).ToList()
            : await session.Query<ContractorTaxYear>().Where(y => y.Year == year)
                .Select(y => new ContractorTaxYearTotals(y.ContractorId, y.Total, y.ExcludedTotal)).ToListAsync(ct);
        var payees = await Payees(session, years.Select(y => y.ContractorId), ct);
        // The TINs are read only to add up what each taxpayer was paid; none leaves this method.
        using var tins = cipher.DecryptorFor(session.TenantId);
        return (NecReports.Build(year, rules.ThresholdFor(year), rules.DueOn(year), years, payees, tins.Decrypt), null, payees);
    }

    private static IResult? BadYear(int year) =>
        year is < 2000 or > 2100 ? Problems.Invalid("year", "'year' must be a calendar year.") : null;

    private static IResult ThresholdMissing(int year) =>
        Problems.Refused("threshold-configured",
            $"No 1099-NEC threshold is configured for tax year {year} (Tax:Nec:Thresholds:{year}), so who is reportable is not known yet. " +
            "The year's totals can be read; the IRIS file waits for the threshold.");

    private static async Task<IReadOnlyDictionary<Guid, ContractorPayee>> Payees(IQuerySession session, IEnumerable<Guid> contractors, CancellationToken ct) =>
        (await session.LoadManyAsync<ContractorPayee>(ct, contractors.Distinct().ToArray())).ToDictionary(p => p.Id);
}

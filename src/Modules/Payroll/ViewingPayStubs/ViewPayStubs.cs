using ContractTherapy.Payroll.Earnings;
using ContractTherapy.Payroll.PayRuns;
using ContractTherapy.Shared.Tenancy;
using ContractTherapy.Shared.Domain;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Payroll.ViewingPayStubs;

public sealed record PayStubLineView(string Kind, Guid VisitId, DateOnly VisitDate, Guid AgencyId, string Agency, string PatientInitials,
    Discipline Discipline, VisitType VisitType, decimal Rate, decimal Amount, decimal Miles, decimal MileageAmount, string? Reason);

/// <summary><c>ytdPaid</c>: what the contractor was paid in the stub's calendar year, through today (reversals excluded).</summary>
public sealed record PayStubView(Guid Id, Guid ContractorId, string ContractorName, Guid CycleId, DateOnly PeriodStart, DateOnly PeriodEnd,
    DateOnly IssuedOn, IReadOnlyList<PayStubLineView> Lines, decimal VisitsTotal, decimal Mileage, decimal Total, decimal YtdPaid);

/// <summary>Pay stubs for payroll staff; a contractor sees only their own (another's answers 404). Patients appear as initials only.</summary>
public static class ViewPayStubsEndpoints
{
    [WolverineGet("/api/paystubs"), Authorize(Policy = Policies.PayStubsRead), Tags("Pay stubs")]
    [ProducesResponseType<PagedResult<PayStubView>>(StatusCodes.Status200OK)]
    public static async Task<IResult> List(Guid? cycleId, Guid? contractorId, int? page, int? pageSize, HttpContext http, IQuerySession session,
        FieldCipher cipher, TimeProvider clock, CancellationToken ct)
    {
        var v = new Validation();
        var (p, size) = Paging.Read(page, pageSize, v);
        if (!v.IsValid) return Results.Problem(v.ToProblem());

        var caller = Caller.From(http.User);
        var query = session.Query<PayStub>().AsQueryable();
        if (caller.Role == Roles.Contractor)
        {
            var own = caller.ContractorId!.Value;
            query = query.Where(s => s.ContractorId == own);
        }
        if (cycleId is { } c) query = query.Where(s => s.CycleId == c);
        if (contractorId is { } k) query = query.Where(s => s.ContractorId == k);
        var stubs = await query.OrderByDescending(s => s.PeriodStart).ThenBy(s => s.ContractorName).ToPageAsync(p, size, s => s, ct);
        var items = await session.WithLinesAsync(stubs.Items, ct);
        var earnings = await Earnings(session, items.Select(s => s.ContractorId), ct);
        var today = await Today(session, caller, clock, ct);
        return Results.Ok(new PagedResult<PayStubView>(items.Select(s => View(s, caller, cipher, earnings, today)).ToList(), stubs.Total, p, size));
    }

    [WolverineGet("/api/paystubs/{id}"), Authorize(Policy = Policies.PayStubsRead), Tags("Pay stubs")]
    [ProducesResponseType<PayStubView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, string? asOf, HttpContext http, IQuerySession session, FieldCipher cipher, TimeProvider clock,
        CancellationToken ct)
    {
        if (!Dates.TryReadInstant("asOf", asOf, out var at, out var problem)) return problem!;
        var caller = Caller.From(http.User);
        var stub = await session.LoadAsync<PayStub>(id, ct);
        if (stub is null || caller.Role == Roles.Contractor && !caller.IsContractor(stub.ContractorId)) return Problems.NotFound("pay stub", id);
        stub = await session.WithLinesAsync(stub, ct);
        if (at is not { } moment)
            return Results.Ok(View(stub, caller, cipher, await Earnings(session, [stub.ContractorId], ct), await Today(session, caller, clock, ct)));

        // asOf: a stub never changes once issued, so it is the stub if it was issued by then; its ytdPaid is the earnings as they stood.
        var issued = (await session.Events.FetchStreamAsync(stub.PayRunId, token: ct))
            .FirstOrDefault(e => e.Data is PayStubIssued p && p.PayStubId == id);
        if (issued is null || issued.Timestamp > moment) return Problems.NotFound("pay stub", id);
        var earnings = await session.Events.AggregateStreamAsync<ContractorEarnings>(ContractorEarnings.IdFor(stub.ContractorId), timestamp: moment, token: ct);
        var then = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(moment,
            TimeZoneInfo.FindSystemTimeZoneById((await session.SettingsFor(caller.TenantId, clock, ct)).TimeZone)).DateTime);
        return Results.Ok(View(stub, caller, cipher,
            earnings is null ? new Dictionary<Guid, ContractorEarnings>() : new Dictionary<Guid, ContractorEarnings> { [stub.ContractorId] = earnings }, then));
    }

    private static async Task<IReadOnlyDictionary<Guid, ContractorEarnings>> Earnings(IQuerySession session, IEnumerable<Guid> contractors, CancellationToken ct) =>
        (await session.LoadManyAsync<ContractorEarnings>(ct, contractors.Distinct().Select(ContractorEarnings.IdFor).ToArray()))
        .ToDictionary(e => e.ContractorId);

    private static async Task<DateOnly> Today(IQuerySession session, Caller caller, TimeProvider clock, CancellationToken ct) =>
        clock.TodayIn((await session.SettingsFor(caller.TenantId, clock, ct)).TimeZone);

    private static PayStubView View(PayStub s, Caller caller, FieldCipher cipher, IReadOnlyDictionary<Guid, ContractorEarnings> earnings,
        DateOnly today)
    {
        if (s.Lines.Count < s.LineCount)
            throw new InvalidOperationException($"Pay stub {s.Id} was read without its lines: read them with {nameof(PayStubLines.WithLinesAsync)}.");
        // One AES-GCM instance for the stub's initials, not one a line.
        using var patients = cipher.DecryptorFor(caller.TenantId);
        return new(s.Id, s.ContractorId, s.ContractorName, s.CycleId, s.PeriodStart, s.PeriodEnd, s.IssuedOn,
            s.Lines.Select(l => new PayStubLineView(l.Kind, l.VisitId, l.VisitDate, l.AgencyId, l.AgencyName,
                patients.Decrypt(l.SealedPatientInitials), l.Discipline, l.VisitType, l.PayRate, l.Amount, l.Miles, l.MileageAmount,
                l.Reason)).ToList(),
            s.VisitsTotal, s.Mileage, s.Total,
            earnings.TryGetValue(s.ContractorId, out var e) ? e.PaidInYear(s.IssuedOn.Year, today) : 0m);
    }
}

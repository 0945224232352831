using ContractTherapy.Rates.Agencies;
using ContractTherapy.Rates.PaySheets;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Persistence;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Rates.ViewingRateHistory;

/// <summary>
/// One rate set of a history. <see cref="Superseded"/>: a set recorded later has the same
/// effective date, so this one never applies (it stays in the history, as it was recorded).
/// </summary>
public sealed record RateSetEntry(Guid Id, DateOnly EffectiveFrom, IReadOnlyList<Rate> Rates, decimal? MileageRate, bool Superseded);

/// <summary>Every pay rate set of a contractor, newest effective date first.</summary>
public sealed record PayRateHistory(Guid ContractorId, IReadOnlyList<RateSetEntry> RateSets);

/// <summary>Every bill rate set of an agency, newest effective date first.</summary>
public sealed record BillRateHistory(Guid AgencyId, IReadOnlyList<RateSetEntry> RateSets);

public static class ViewRateHistoryEndpoints
{
    [WolverineGet("/api/contractors/{id}/pay-rates/history"), Authorize(Policy = Policies.PayRatesRead), Tags("Contractors")]
    [ProducesResponseType<PayRateHistory>(StatusCodes.Status200OK)]
    public static async Task<IResult> GetPayRateHistory(Guid id, HttpContext http, IQuerySession session, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        if (caller.Role == Roles.Contractor && !caller.IsContractor(id)) return Problems.NotFound("contractor", id);
        if (!await session.ExistsAsync(id, Streams.Contractor, ct)) return Problems.NotFound("contractor", id);
        var sheet = await session.LoadAsync<PaySheet>(PaySheet.IdFor(id), ct);
        return Results.Ok(new PayRateHistory(id, Entries(sheet?.RateSets ?? [])));
    }

    [WolverineGet("/api/agencies/{id}/bill-rates/history"), Authorize(Policy = Policies.BillRatesRead), Tags("Agencies")]
    [ProducesResponseType<BillRateHistory>(StatusCodes.Status200OK)]
    public static async Task<IResult> GetBillRateHistory(Guid id, IQuerySession session, CancellationToken ct)
    {
        var agency = await session.LoadAsync<Agency>(id, ct);
        if (agency is null) return Problems.NotFound("agency", id);
        return Results.Ok(new BillRateHistory(id, Entries(agency.BillRateSets)));
    }

    /// <summary>Newest effective date first; of two sets with one date the later recorded first (it is the one that applies).</summary>
    private static List<RateSetEntry> Entries(IReadOnlyList<RateSet> sets) => sets
        .Select((s, recorded) => (s, recorded, superseded: sets.Skip(recorded + 1).Any(later => later.EffectiveFrom == s.EffectiveFrom)))
        .OrderByDescending(x => x.s.EffectiveFrom).ThenByDescending(x => x.recorded)
        .Select(x => new RateSetEntry(x.s.Id, x.s.EffectiveFrom, x.s.Rates, x.s.MileageRate, x.superseded))
        .ToList();
}

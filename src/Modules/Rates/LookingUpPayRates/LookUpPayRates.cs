using ContractTherapy.Rates.PaySheets;
using ContractTherapy.Shared.Domain;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Persistence;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Rates.LookingUpPayRates;

/// <summary>
/// The pay rates in effect on <see cref="AsOf"/>. With an agency, each (discipline, visit type)
/// is resolved as a visit there would be paid: the agency's override first, else the general rate.
/// </summary>
public sealed record PayRatesInEffect(Guid ContractorId, DateOnly AsOf, Guid? AgencyId, Guid? RateSetId, DateOnly? EffectiveFrom,
    decimal? MileageRate, IReadOnlyList<Rate> Rates);

public static class LookUpPayRatesEndpoint
{
    [WolverineGet("/api/contractors/{id}/pay-rates"), Authorize(Policy = Policies.PayRatesRead), Tags("Contractors")]
    [ProducesResponseType<PayRatesInEffect>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, string? asOf, string? knownAt, Guid? agencyId, HttpContext http, IQuerySession session,
        TimeProvider clock, CancellationToken ct)
    {
        if (!Dates.TryReadAsOf(asOf, clock, out var date, out var problem)) return problem!;
        if (!Dates.TryReadInstant("knownAt", knownAt, out var at, out problem)) return problem!;
        var caller = Caller.From(http.User);
        if (caller.Role == Roles.Contractor && !caller.IsContractor(id)) return Problems.NotFound("contractor", id);
        if (!await session.ExistsAsync(id, Streams.Contractor, ct)) return Problems.NotFound("contractor", id);

        var sheet = at is { } moment
            ? await session.Events.AggregateStreamAsync<PaySheet>(PaySheet.IdFor(id), timestamp: moment, token: ct)
            : await session.LoadAsync<PaySheet>(PaySheet.IdFor(id), ct);
        var set = sheet?.RateSets.InEffectOn(date);
        if (set is null) return Results.Ok(new PayRatesInEffect(id, date, agencyId, null, null, null, []));

        var rates = agencyId is null
            ? set.Rates
            : set.Rates.Select(r => (r.Discipline, r.VisitType)).Distinct()
                .Select(pair => (pair, resolved: sheet!.Resolve(date, agencyId.Value, pair.Discipline, pair.VisitType)))
                .Where(x => x.resolved is not null)
                .Select(x => new Rate(x.pair.Discipline, x.pair.VisitType, x.resolved!.Amount, x.resolved.IsAgencyOverride ? agencyId : null))
                .ToList();
        return Results.Ok(new PayRatesInEffect(id, date, agencyId, set.Id, set.EffectiveFrom, set.MileageRate, rates));
    }
}

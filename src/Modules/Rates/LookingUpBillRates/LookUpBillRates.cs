using ContractTherapy.Rates.Agencies;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Rates.LookingUpBillRates;

/// <summary>The bill rates in effect on <see cref="AsOf"/>, and the set they came from (null when none is).</summary>
public sealed record BillRatesInEffect(Guid AgencyId, DateOnly AsOf, Guid? RateSetId, DateOnly? EffectiveFrom, IReadOnlyList<Rate> Rates);

public static class LookUpBillRatesEndpoint
{
    [WolverineGet("/api/agencies/{id}/bill-rates"), Authorize(Policy = Policies.BillRatesRead), Tags("Agencies")]
    [ProducesResponseType<BillRatesInEffect>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, string? asOf, string? knownAt, IQuerySession session, TimeProvider clock, CancellationToken ct)
    {
        if (!Dates.TryReadAsOf(asOf, clock, out var date, out var problem)) return problem!;
        // knownAt: the rate sheet as it stood at that moment (asOf stays the business date the rates apply to).
        if (!Dates.TryReadInstant("knownAt", knownAt, out var at, out problem)) return problem!;
        var agency = at is { } moment
            ? await session.Events.AggregateStreamAsync<Agency>(id, timestamp: moment, token: ct)
            : await session.LoadAsync<Agency>(id, ct);
        if (agency is null) return Problems.NotFound("agency", id);

        var set = agency.BillRateSets.InEffectOn(date);
        return Results.Ok(new BillRatesInEffect(id, date, set?.Id, set?.EffectiveFrom, set?.Rates ?? []));
    }
}

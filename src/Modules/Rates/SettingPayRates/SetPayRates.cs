using ContractTherapy.Rates.PaySheets;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Persistence;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Rates.SettingPayRates;

public sealed record SetPayRates(DateOnly? EffectiveFrom, IReadOnlyList<RateInput>? Rates, decimal? MileageRate);

public sealed record PayRateSetView(Guid Id, Guid ContractorId, DateOnly EffectiveFrom, IReadOnlyList<Rate> Rates, decimal? MileageRate);

public static class SetPayRatesEndpoint
{
    public static ProblemDetails Validate(SetPayRates cmd)
    {
        var v = new Validation();
        RateInputs.Check(v, cmd.EffectiveFrom, cmd.Rates, allowAgency: true);
        v.Money("mileageRate", cmd.MileageRate, required: false);
        return v.Result();
    }

    [WolverinePut("/api/contractors/{id}/pay-rates"), Authorize(Policy = Policies.ContractorsWrite), Tags("Contractors")]
    [ProducesResponseType<PayRateSetView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Put(Guid id, SetPayRates cmd, IDocumentSession session, CancellationToken ct)
    {
        if (!await session.ExistsAsync(id, Streams.Contractor, ct)) return Problems.NotFound("contractor", id);

        var unknown = new Validation();
        var rates = cmd.Rates!;
        foreach (var agencyId in rates.Where(r => r.AgencyId is not null).Select(r => r.AgencyId!.Value).Distinct())
        {
            if (await session.ExistsAsync(agencyId, Streams.Agency, ct)) continue;
            for (var i = 0; i < rates.Count; i++)
                if (rates[i].AgencyId == agencyId)
                    unknown.Add($"rates[{i}].agencyId", $"No agency with id '{agencyId}' exists in this tenant.");
        }
        if (!unknown.IsValid) return Results.Problem(unknown.ToProblem());

        var stream = await session.Events.FetchForWriting<PaySheet>(PaySheet.IdFor(id), ct);
        var set = new PayRatesSet(id, Guid.CreateVersion7(), cmd.EffectiveFrom!.Value, RateInputs.ToRates(rates), cmd.MileageRate);
        stream.AppendOne(set);
        return Results.Ok(new PayRateSetView(set.RateSetId, id, set.EffectiveFrom, set.Rates, set.MileageRate));
    }
}

using ContractTherapy.Rates.Agencies;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Rates.SettingBillRates;

public sealed record SetBillRates(DateOnly? EffectiveFrom, IReadOnlyList<RateInput>? Rates);

public sealed record BillRateSetView(Guid Id, Guid AgencyId, DateOnly EffectiveFrom, IReadOnlyList<Rate> Rates);

public static class SetBillRatesEndpoint
{
    public static ProblemDetails Validate(SetBillRates cmd)
    {
        var v = new Validation();
        RateInputs.Check(v, cmd.EffectiveFrom, cmd.Rates, allowAgency: false);
        return v.Result();
    }

    [WolverinePut("/api/agencies/{id}/bill-rates"), Authorize(Policy = Policies.AgenciesWrite), Tags("Agencies")]
    [ProducesResponseType<BillRateSetView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Put(Guid id, SetBillRates cmd, IDocumentSession session, CancellationToken ct)
    {
        var stream = await session.Events.FetchForWriting<Agency>(id, ct);
        if (stream.Aggregate is null) return Problems.NotFound("agency", id);

        var set = new BillRatesSet(id, Guid.CreateVersion7(), cmd.EffectiveFrom!.Value, RateInputs.ToRates(cmd.Rates!));
        stream.AppendOne(set);
        return Results.Ok(new BillRateSetView(set.RateSetId, id, set.EffectiveFrom, set.Rates));
    }
}

using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Security;

/// <summary>
/// Ids of one tenant's records by kind ("agency", "contractor", "visit", "cycle", "invoice",
/// "paystub", "payment"): the scoped tokens' own one and another one. Secrets are what another
/// tenant must never read; the hidden sets what the scoped contractor or agency must never read.
/// </summary>
public sealed record World(Dictionary<string, (Guid Own, Guid Other)> Ids, HashSet<string> TenantSecrets,
    HashSet<string> HiddenFromContractor, HashSet<string> HiddenFromAgency);

public static class Worlds
{
    /// <summary>
    /// Tenant A: two agencies, each with a contractor placed, a closed cycle with an invoice, a
    /// pay stub and a sent payment each, and an open visit each in the next cycle.
    /// "Own" records belong to the scoped tokens' contractor and agency, "other" ones do not.
    /// </summary>
    public static async Task<World> TwoOfEverything(this Api Api)
    {
        await Api.CyclesFrom("2026-03-02");
        var sunrise = await Api.RegisteredAgency("Sunrise Matrix HH");
        var harbor = await Api.RegisteredAgency("Harbor Matrix HH");
        foreach (var a in new[] { sunrise, harbor })
            (await Api.SetBillRates(a, "2026-01-01", Rate("PT", "Routine", 95m))).ShouldBe(200);
        var dana = await Api.PlacedContractor(sunrise, "Dana Matrixkim");
        var sam = await Api.PlacedContractor(harbor, "Sam Matrixortiz");
        foreach (var c in new[] { dana, sam })
        {
            (await Api.SetPayRates(c, "2026-01-01", Rate("PT", "Routine", 70m))).ShouldBe(200);
            await Api.MakePayable(c, account: $"acct_{c:N}");
        }
        (await Api.LogVisit(Visit(dana, sunrise, "2026-03-03", patientName: "Ophelia Matrixpatient", mrn: "MX-DANA-1"))).ShouldBe(201);
        (await Api.LogVisit(Visit(sam, harbor, "2026-03-04", patientName: "Octavius Matrixpatient", mrn: "MX-SAM-1"))).ShouldBe(201);
        var cycle = await Api.CloseCurrentCycle();
        var approval = (await Api.ApprovePayRun(cycle)).ShouldBe(202).Json["payments"]!.AsArray();
        Guid PaymentOf(Guid c) => Guid.Parse(approval.Single(p => p!["contractorId"]!.GetValue<string>() == c.ToString())!["id"]!.GetValue<string>());
        var invoices = (await Api.Get($"/api/invoices?cycleId={cycle}")).ShouldBe(200).Json["items"]!.AsArray();
        Guid InvoiceOf(Guid a) => Guid.Parse(invoices.Single(i => i!["agencyId"]!.GetValue<string>() == a.ToString())!["id"]!.GetValue<string>());
        var stubs = (await Api.Get($"/api/paystubs?cycleId={cycle}")).ShouldBe(200).Json["items"]!.AsArray();
        Guid StubOf(Guid c) => Guid.Parse(stubs.Single(s => s!["contractorId"]!.GetValue<string>() == c.ToString())!["id"]!.GetValue<string>());
        var danaVisit = (await Api.LogVisit(Visit(dana, sunrise, "2026-03-17", patientName: "Ophelia Matrixpatient", mrn: "MX-DANA-1"))).ShouldBe(201).Id;
        var samVisit = (await Api.LogVisit(Visit(sam, harbor, "2026-03-17", patientName: "Octavius Matrixpatient", mrn: "MX-SAM-1"))).ShouldBe(201).Id;
        await Api.ProjectionsCaughtUp();

        var ids = new Dictionary<string, (Guid, Guid)>
        {
            ["agency"] = (sunrise, harbor),
            ["contractor"] = (dana, sam),
            ["visit"] = (danaVisit, samVisit),
            ["cycle"] = (cycle, cycle),
            ["invoice"] = (InvoiceOf(sunrise), InvoiceOf(harbor)),
            ["paystub"] = (StubOf(dana), StubOf(sam)),
            ["payment"] = (PaymentOf(dana), PaymentOf(sam)),
        };
        var names = new[] { "Sunrise Matrix", "Harbor Matrix", "Matrixkim", "Matrixortiz", "Matrixpatient", "MX-DANA-1", "MX-SAM-1" };
        var tenantSecrets = ids.Values.SelectMany(p => new[] { p.Item1.ToString(), p.Item2.ToString() }).Concat(names).ToHashSet();
        var hiddenFromContractor = new[] { sam, samVisit, StubOf(sam), PaymentOf(sam) }.Select(g => g.ToString())
            .Concat(["Matrixortiz", "Octavius", "MX-SAM-1"]).ToHashSet();
        var hiddenFromAgency = new[] { harbor, samVisit, InvoiceOf(harbor) }.Select(g => g.ToString())
            .Concat(["Harbor Matrix", "Octavius", "MX-SAM-1"]).ToHashSet();
        return new World(ids, tenantSecrets, hiddenFromContractor, hiddenFromAgency);
    }

}

using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Cycles;

/// <summary>domain.md §5, to the cent.</summary>
public sealed class WorkedExampleTests(AppFixture app) : IntegrationTest(app)
{
    [Fact]
    public async Task the_worked_example_closes_to_455_billed_and_340_paid_and_a_later_void_adjusts_the_next_cycle()
    {
        await Api.CyclesFrom("2026-03-02");
        var sunrise = await Api.RegisteredAgency("Sunrise HH");
        await Api.SetBillRates(sunrise, "2026-01-01", Rate("PT", "Evaluation", 150.00m), Rate("PT", "Routine", 95.00m), Rate("PT", "Discharge", 110.00m));
        await Api.SetBillRates(sunrise, "2026-03-09", Rate("PT", "Evaluation", 150.00m), Rate("PT", "Routine", 100.00m), Rate("PT", "Discharge", 110.00m));
        var dana = await Api.PlacedContractor(sunrise, "Dana Kim", "PT");
        await Api.SetPayRates(dana, "2026-01-01", Rate("PT", "Evaluation", 110.00m), Rate("PT", "Routine", 70.00m), Rate("PT", "Discharge", 80.00m),
            Rate("PT", "Routine", 75.00m, sunrise));

        await Api.LogVisit(Visit(dana, sunrise, "2026-03-03", "Evaluation", patientName: "Ada Lovelace", mrn: "AL-1"));
        await Api.LogVisit(Visit(dana, sunrise, "2026-03-05", "Routine", patientName: "Ada Lovelace", mrn: "AL-1"));
        var tenth = (await Api.LogVisit(Visit(dana, sunrise, "2026-03-10", "Routine", patientName: "Ada Lovelace", mrn: "AL-1"))).Id;
        await Api.LogVisit(Visit(dana, sunrise, "2026-03-12", "Discharge", patientName: "Ada Lovelace", mrn: "AL-1"));

        var cycle = await Api.CurrentCycle();
        cycle["periodStart"]!.GetValue<string>().ShouldBe("2026-03-02");
        cycle["periodEnd"]!.GetValue<string>().ShouldBe("2026-03-15");

        var closed = (await Api.CloseCycle(cycle.IdOf())).ShouldBe(200).Json;
        var invoiceId = closed.Ids("invoices").ShouldHaveSingleItem();
        var payStubId = closed.Ids("payStubs").ShouldHaveSingleItem();

        var invoice = (await Api.Get($"/api/invoices/{invoiceId}", role: "billing")).ShouldBe(200).Json;
        invoice["total"]!.GetValue<decimal>().ShouldBe(455.00m);
        invoice["number"]!.GetValue<string>().ShouldStartWith("INV-");
        invoice["number"]!.GetValue<string>().ShouldEndWith("-000001");
        invoice["lines"]!.AsArray().Select(l => l!["amount"]!.GetValue<decimal>()).ShouldBe([150.00m, 95.00m, 100.00m, 110.00m]);
        invoice["lines"]![0]!["patientName"]!.GetValue<string>().ShouldBe("Ada Lovelace");
        invoice["lines"]![0]!["clinician"]!.GetValue<string>().ShouldBe("Dana Kim");
        var issuedOn = DateOnly.Parse(invoice["issuedOn"]!.GetValue<string>());
        DateOnly.Parse(invoice["dueOn"]!.GetValue<string>()).ShouldBe(issuedOn.AddDays(30));

        var stub = (await Api.Get($"/api/paystubs/{payStubId}", role: "payroll")).ShouldBe(200).Json;
        stub["total"]!.GetValue<decimal>().ShouldBe(340.00m);
        stub["lines"]!.AsArray().Select(l => l!["amount"]!.GetValue<decimal>()).ShouldBe([110.00m, 75.00m, 75.00m, 80.00m]);
        stub["lines"]![0]!["patientInitials"]!.GetValue<string>().ShouldBe("A.L.");
        stub.ToJsonString().ShouldNotContain("Lovelace");
        stub.ToJsonString().ShouldNotContain("AL-1");

        (await Api.Get($"/api/visits/{tenth}")).Json["status"]!.GetValue<string>().ShouldBe("invoiced");

        // The 03-10 visit is voided after the close: the next cycle credits it.
        (await Api.Post($"/api/visits/{tenth}/void", new { reason = "Visit did not take place" })).ShouldBe(200);
        var next = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json;
        var credit = (await Api.Get($"/api/invoices/{next.Ids("invoices").ShouldHaveSingleItem()}", role: "billing")).Json;
        var line = credit["lines"]!.AsArray().ShouldHaveSingleItem()!;
        line["kind"]!.GetValue<string>().ShouldBe("adjustment");
        line["amount"]!.GetValue<decimal>().ShouldBe(-100.00m);
        line["reason"]!.GetValue<string>().ShouldBe("Visit did not take place");
        credit["total"]!.GetValue<decimal>().ShouldBe(-100.00m);
        credit["number"]!.GetValue<string>().ShouldEndWith("-000002");

        var debit = (await Api.Get($"/api/paystubs/{next.Ids("payStubs").ShouldHaveSingleItem()}", role: "payroll")).Json;
        debit["lines"]!.AsArray().ShouldHaveSingleItem()!["amount"]!.GetValue<decimal>().ShouldBe(-75.00m);
        debit["total"]!.GetValue<decimal>().ShouldBe(-75.00m);

        // The first invoice never changed.
        (await Api.Get($"/api/invoices/{invoiceId}", role: "billing")).Json["total"]!.GetValue<decimal>().ShouldBe(455.00m);
    }
}

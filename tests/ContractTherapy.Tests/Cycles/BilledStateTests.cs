using ContractTherapy.Invoicing.Billing;
using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Cycles;

/// <summary>
/// A billable visit's billed state says where its line is (the close's <c>CycleClosed</c>, the position in its lines)
/// and not what the line says: a reversal reads the line from the event, and billed state stored with a copy of the
/// line (before 2026-12-07) is moved to the new shape at start.
/// </summary>
public sealed class BilledStateTests(AppFixture app) : IntegrationTest(app)
{
    /// <summary>Three visits of Dana's: two evaluations on March 3 and 4, then <c>Target</c>, a routine visit, on the 5th (the close's third line).</summary>
    private async Task<(Guid Agency, Guid Dana, Guid Evaluation, Guid Target, Guid FirstClose)> ClosedThree()
    {
        await Api.CyclesFrom("2026-03-02");
        var agency = await Api.RegisteredAgency("Sunrise HH");
        await Api.SetBillRates(agency, "2026-01-01", Rate("PT", "Evaluation", 150m), Rate("PT", "Routine", 95m));
        var dana = await Api.PlacedContractor(agency, "Dana Kim", "PT");
        await Api.SetPayRates(dana, "2026-01-01", Rate("PT", "Evaluation", 110m), Rate("PT", "Routine", 70m));
        var evaluation = (await Api.LogVisit(Visit(dana, agency, "2026-03-03", "Evaluation"))).Id;
        await Api.LogVisit(Visit(dana, agency, "2026-03-04", "Evaluation"));
        var target = (await Api.LogVisit(Visit(dana, agency, "2026-03-05", "Routine"))).Id;
        var first = await Api.CloseCurrentCycle();
        return (agency, dana, evaluation, target, first);
    }

    private async Task<List<(string Kind, Guid Visit, string Type, decimal Amount)>> InvoiceLinesOf(System.Text.Json.Nodes.JsonNode closed) =>
        (await Api.Get($"/api/invoices/{closed.Ids("invoices").Single()}", role: "billing")).ShouldBe(200).Json["lines"]!.AsArray()
            .Select(l => (l!["kind"]!.GetValue<string>(), Guid.Parse(l["visitId"]!.GetValue<string>()), l["visitType"]!.GetValue<string>(),
                l["amount"]!.GetValue<decimal>()))
            .ToList();

    [Fact]
    public async Task the_billed_state_points_at_the_visits_line_and_a_reversal_credits_that_line()
    {
        var (_, _, evaluation, target, first) = await ClosedThree();
        var billed = (await Stored("mt_doc_billablevisit", target)).GetProperty("billed");
        billed.TryGetProperty("line", out _).ShouldBeFalse();
        billed.GetProperty("cycleId").GetGuid().ShouldBe(first);
        billed.GetProperty("position").GetInt32().ShouldBe(2);
        billed.GetProperty("visitType").GetString().ShouldBe("Routine");

        (await Api.Put($"/api/visits/{target}", new { visitType = "Evaluation", reason = "It was the evaluation" })).ShouldBe(200);
        (await Api.Post($"/api/visits/{evaluation}/void", new { reason = "Duplicate" })).ShouldBe(200);
        var next = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json;

        // Each reversal credits the visit's own line of the first close (positions 2 and 0), as billed.
        (await InvoiceLinesOf(next)).ShouldBe([
            ("adjustment", evaluation, "Evaluation", -150m),
            ("adjustment", target, "Routine", -95m),
            ("adjustment", target, "Evaluation", 150m),
        ], ignoreOrder: true);
        var stub = (await Api.Get($"/api/paystubs/{next.Ids("payStubs").Single()}", role: "payroll")).Json;
        stub["total"]!.GetValue<decimal>().ShouldBe(-110m - 70m + 110m);
        (await Replayed(nameof(BillableVisit))).Differences.Where(d => d.Tenant == Api.Tenant).ShouldBeEmpty();
    }

    [Fact]
    public async Task billed_state_holding_a_copy_of_its_line_is_moved_at_start_and_reverses_as_before()
    {
        var (_, _, evaluation, target, first) = await ClosedThree();
        (await Api.Put($"/api/visits/{target}", new { visitType = "Evaluation", reason = "It was the evaluation" })).ShouldBe(200);
        (await Api.Post($"/api/visits/{evaluation}/void", new { reason = "Duplicate" })).ShouldBe(200);
        var second = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json["cycleId"]!.GetValue<string>();

        var table = "contracttherapy.mt_doc_billablevisit";
        async Task<Dictionary<Guid, string>> Documents()
        {
            await using var session = App.Store.QuerySession(Api.Tenant);
            var rows = await session.QueryAsync<string>($"select jsonb_build_object('id', id, 'data', data)::text from {table} where tenant_id = ?", Api.Tenant);
            return rows.Select(r => System.Text.Json.JsonDocument.Parse(r).RootElement)
                .ToDictionary(r => r.GetProperty("id").GetGuid(), r => r.GetProperty("data").GetRawText());
        }
        var now = await Documents();
        now.Count.ShouldBe(3);

        // The shape stored until 2026-12-06: the line copied in, and a reversed visit's cycle the close that reversed it.
        await Sql($"""
            update {table} as d
               set data = jsonb_set(d.data, array['billed'], jsonb_build_object('cycleId', d.data -> 'billed' -> 'cycleId',
                   'line', e.data -> 'lines' -> ((d.data -> 'billed' ->> 'position')::int), 'voided', d.data -> 'billed' -> 'voided'))
              from contracttherapy.mt_events as e
             where d.tenant_id = '{Api.Tenant}' and e.tenant_id = d.tenant_id and e.type = 'cycle_closed'
               and e.stream_id = (d.data -> 'billed' ->> 'cycleId')::uuid
            """);
        await Sql($"update {table} set data = jsonb_set(data, array['billed', 'cycleId'], to_jsonb('{second}'::text)) where id = '{evaluation}'");
        var old = await Documents();
        old.Values.ShouldAllBe(d => d.Contains("\"line\": {"));
        old.Values.ShouldAllBe(d => !d.Contains("\"position\""));

        var migrations = App.Store.Advanced.InitialDataCollection;
        try
        {
            migrations.OfType<BilledStateByReference>().ShouldHaveSingleItem();
            for (var i = 0; i < 2; i++)
                await migrations.OfType<BilledStateByReference>().Single().Populate(App.Store, CancellationToken.None);
            var moved = await Documents();
            foreach (var (id, json) in now)
                System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(moved[id]), System.Text.Json.Nodes.JsonNode.Parse(json))
                    .ShouldBeTrue($"visit {id}: {moved[id]} != {json}");
            (await Replayed(nameof(BillableVisit))).Differences.Where(d => d.Tenant == Api.Tenant).ShouldBeEmpty();

            // And the moved state bills as before: the corrected visit reversed at its second close's line.
            (await Api.Put($"/api/visits/{target}", new { visitType = "Routine", reason = "It was routine after all" })).ShouldBe(200);
            var third = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json;
            (await InvoiceLinesOf(third)).ShouldBe([("adjustment", target, "Evaluation", -150m), ("adjustment", target, "Routine", 95m)], ignoreOrder: true);
        }
        finally
        {
            // Every replay in this database compares all tenants' documents: none of the old shape may stay behind.
            await migrations.OfType<BilledStateByReference>().Single().Populate(App.Store, CancellationToken.None);
        }
    }
}

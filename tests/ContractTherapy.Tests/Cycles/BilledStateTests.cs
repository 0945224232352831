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
    private static async Task<(Guid Agency, Guid Dana, Guid Evaluation, Guid Target, Guid FirstClose)> ClosedThree(Api api)
    {
        await api.CyclesFrom("2026-03-02");
        var agency = await api.RegisteredAgency("Sunrise HH");
        await api.SetBillRates(agency, "2026-01-01", Rate("PT", "Evaluation", 150m), Rate("PT", "Routine", 95m));
        var dana = await api.PlacedContractor(agency, "Dana Kim", "PT");
        await api.SetPayRates(dana, "2026-01-01", Rate("PT", "Evaluation", 110m), Rate("PT", "Routine", 70m));
        var evaluation = (await api.LogVisit(Visit(dana, agency, "2026-03-03", "Evaluation"))).Id;
        await api.LogVisit(Visit(dana, agency, "2026-03-04", "Evaluation"));
        var target = (await api.LogVisit(Visit(dana, agency, "2026-03-05", "Routine"))).Id;
        var first = await api.CloseCurrentCycle();
        return (agency, dana, evaluation, target, first);
    }

    private Task<(Guid Agency, Guid Dana, Guid Evaluation, Guid Target, Guid FirstClose)> ClosedThree() => ClosedThree(Api);

    private static async Task<List<(string Kind, Guid Visit, string Type, decimal Rate, decimal Amount)>> InvoiceLinesOf(Api api, System.Text.Json.Nodes.JsonNode closed) =>
        (await api.Get($"/api/invoices/{closed.Ids("invoices").Single()}", role: "billing")).ShouldBe(200).Json["lines"]!.AsArray()
            .Select(l => (l!["kind"]!.GetValue<string>(), Guid.Parse(l["visitId"]!.GetValue<string>()), l["visitType"]!.GetValue<string>(),
                l["rate"]!.GetValue<decimal>(), l["amount"]!.GetValue<decimal>()))
            .ToList();

    private Task<List<(string Kind, Guid Visit, string Type, decimal Rate, decimal Amount)>> InvoiceLinesOf(System.Text.Json.Nodes.JsonNode closed) =>
        InvoiceLinesOf(Api, closed);

    [Fact]
    public async Task the_billed_state_points_at_the_visits_line_and_a_reversal_credits_that_line_at_the_rates_it_was_billed()
    {
        var (agency, dana, evaluation, target, first) = await ClosedThree();
        var billed = (await Stored("mt_doc_billablevisit", target)).GetProperty("billed");
        billed.TryGetProperty("line", out _).ShouldBeFalse();
        billed.GetProperty("cycleId").GetGuid().ShouldBe(first);
        billed.GetProperty("position").GetInt32().ShouldBe(2);
        billed.GetProperty("visitType").GetString().ShouldBe("Routine");

        // New rates from March 1st, set after the close: the re-bill takes them, each reversal credits what was billed.
        (await Api.SetBillRates(agency, "2026-03-01", Rate("PT", "Evaluation", 160m), Rate("PT", "Routine", 120m))).ShouldBe(200);
        (await Api.SetPayRates(dana, "2026-03-01", Rate("PT", "Evaluation", 115m), Rate("PT", "Routine", 80m))).ShouldBe(200);
        (await Api.Put($"/api/visits/{target}", new { visitType = "Evaluation", reason = "It was the evaluation" })).ShouldBe(200);
        (await Api.Post($"/api/visits/{evaluation}/void", new { reason = "Duplicate" })).ShouldBe(200);
        var next = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json;

        // Each reversal credits the visit's own line of the first close (positions 2 and 0), at its rate.
        (await InvoiceLinesOf(next)).ShouldBe([
            ("adjustment", evaluation, "Evaluation", 150m, -150m),
            ("adjustment", target, "Routine", 95m, -95m),
            ("adjustment", target, "Evaluation", 160m, 160m),
        ], ignoreOrder: true);
        var stub = (await Api.Get($"/api/paystubs/{next.Ids("payStubs").Single()}", role: "payroll")).Json;
        stub["total"]!.GetValue<decimal>().ShouldBe(-110m - 70m + 115m);
        (await Replayed(nameof(BillableVisit))).Differences.Where(d => d.Tenant == Api.Tenant).ShouldBeEmpty();
    }

    /// <summary>The billed state of every visit of these tenants as stored, by visit.</summary>
    private async Task<Dictionary<Guid, string>> Documents(params string[] tenants)
    {
        await using var session = App.Store.QuerySession(Api.Tenant);
        var rows = await session.QueryAsync<string>(
            "select jsonb_build_object('id', id, 'data', data)::text from contracttherapy.mt_doc_billablevisit where tenant_id = any(?)",
            new object[] { tenants }); // one parameter, the array
        return rows.Select(r => System.Text.Json.JsonDocument.Parse(r).RootElement)
            .ToDictionary(r => r.GetProperty("id").GetGuid(), r => r.GetProperty("data").GetRawText());
    }

    [Fact]
    public async Task billed_state_holding_a_copy_of_its_line_is_moved_at_start_and_reverses_as_before()
    {
        // This tenant: the target billed in three closes (routine, corrected to an evaluation, its miles corrected), a
        // visit voided; another tenant: its own three visits, one corrected. Then both stored in the old shape.
        var (_, _, evaluation, target, _) = await ClosedThree();
        (await Api.Put($"/api/visits/{target}", new { visitType = "Evaluation", reason = "It was the evaluation" })).ShouldBe(200);
        (await Api.Post($"/api/visits/{evaluation}/void", new { reason = "Duplicate" })).ShouldBe(200);
        var second = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json["cycleId"]!.GetValue<string>();
        (await Api.Put($"/api/visits/{target}", new { miles = 3.5m, reason = "Miles driven" })).ShouldBe(200);
        (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200);
        var other = OtherTenant();
        var (_, _, _, otherTarget, _) = await ClosedThree(other);
        (await other.Put($"/api/visits/{otherTarget}", new { visitType = "Evaluation", reason = "It was the evaluation" })).ShouldBe(200);
        (await other.CloseCycle((await other.CurrentCycle()).IdOf())).ShouldBe(200);

        var table = "contracttherapy.mt_doc_billablevisit";
        var now = await Documents(Api.Tenant, other.Tenant);
        now.Count.ShouldBe(6);
        JsonNodeOf(now[target])["billed"]!["miles"]!.GetValue<decimal>().ShouldBe(3.5m);

        // The shape stored until 2026-12-06: the line copied in, and a reversed visit's cycle the close that reversed it.
        await Sql($"""
            update {table} as d
               set data = jsonb_set(d.data, array['billed'], jsonb_build_object('cycleId', d.data -> 'billed' -> 'cycleId',
                   'line', e.data -> 'lines' -> ((d.data -> 'billed' ->> 'position')::int), 'voided', d.data -> 'billed' -> 'voided'))
              from contracttherapy.mt_events as e
             where d.tenant_id in ('{Api.Tenant}', '{other.Tenant}') and e.tenant_id = d.tenant_id and e.type = 'cycle_closed'
               and e.stream_id = (d.data -> 'billed' ->> 'cycleId')::uuid
            """);
        await Sql($"update {table} set data = jsonb_set(data, array['billed', 'cycleId'], to_jsonb('{second}'::text)) where id = '{evaluation}'");
        var old = await Documents(Api.Tenant, other.Tenant);
        old.Values.ShouldAllBe(d => d.Contains("\"line\": {"));
        old.Values.ShouldAllBe(d => !d.Contains("\"position\""));

        var migrations = App.Store.Advanced.InitialDataCollection;
        try
        {
            migrations.OfType<BilledStateByReference>().ShouldHaveSingleItem();
            for (var i = 0; i < 2; i++)
                await migrations.OfType<BilledStateByReference>().Single().Populate(App.Store, CancellationToken.None);
            var moved = await Documents(Api.Tenant, other.Tenant);
            foreach (var (id, json) in now)
                System.Text.Json.Nodes.JsonNode.DeepEquals(JsonNodeOf(moved[id]), JsonNodeOf(json)).ShouldBeTrue($"visit {id}: {moved[id]} != {json}");
            (await Replayed(nameof(BillableVisit))).Differences.Where(d => d.Tenant == Api.Tenant || d.Tenant == other.Tenant).ShouldBeEmpty();

            // And the moved state bills as before: the corrected visit reversed at its third close's line.
            (await Api.Put($"/api/visits/{target}", new { visitType = "Routine", reason = "It was routine after all" })).ShouldBe(200);
            var fourth = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json;
            (await InvoiceLinesOf(fourth)).ShouldBe([("adjustment", target, "Evaluation", 150m, -150m), ("adjustment", target, "Routine", 95m, 95m)],
                ignoreOrder: true);
            var stub = (await Api.Get($"/api/paystubs/{fourth.Ids("payStubs").Single()}", role: "payroll")).Json;
            stub["total"]!.GetValue<decimal>().ShouldBe(-110m + 70m); // the mileage credited and paid again: net nothing
        }
        finally
        {
            // Every replay in this database compares all tenants' documents: none of the old shape may stay behind.
            await migrations.OfType<BilledStateByReference>().Single().Populate(App.Store, CancellationToken.None);
        }
    }

    private static System.Text.Json.Nodes.JsonNode JsonNodeOf(string json) => System.Text.Json.Nodes.JsonNode.Parse(json)!;

    [Fact]
    public async Task once_nothing_has_the_old_shape_the_start_up_migration_does_not_read_the_events()
    {
        await ClosedThree();
        var migration = App.Store.Advanced.InitialDataCollection.OfType<BilledStateByReference>().Single();
        await migration.Populate(App.Store, CancellationToken.None);

        await using var connection = new Npgsql.NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var plan = new List<string>();
        await using (var explain = new Npgsql.NpgsqlCommand($"explain (analyze, costs off, timing off) {migration.Sql(App.Store.Options)}", connection, transaction))
        await using (var reader = await explain.ExecuteReaderAsync())
            while (await reader.ReadAsync()) plan.Add(reader.GetString(0));
        await transaction.RollbackAsync();

        // The events are read only under a one-time filter: whether any document has the old shape, asked once through the
        // (empty) partial index. Without it PostgreSQL may read every close's events at every start, depending on its
        // statistics (on a large store it did); with it they are never read.
        var text = string.Join("\n", plan);
        var gate = plan.FindIndex(l => l.Contains("One-Time Filter"));
        gate.ShouldBeGreaterThan(0, text);
        var events = plan.FindIndex(l => l.Contains("on mt_events"));
        events.ShouldBeGreaterThan(gate, text);
        Indent(plan[events]).ShouldBeGreaterThan(Indent(plan[gate]), text);
        plan[events].ShouldContain("never executed", Case.Sensitive, text);
        plan.ShouldContain(l => l.Contains("using mt_doc_billablevisit_idx_billed_line_copy on mt_doc_billablevisit a"), text);
    }

    private static int Indent(string line) => line.Length - line.TrimStart().Length;
}

using ContractTherapy.Invoicing.Billing;
using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Cycles;

/// <summary>
/// How a visit was billed is its line in its last close's <c>CycleClosed</c>, found through the index of the closes by
/// their lines' visits: no billed state is kept per visit. A reversal credits that line; billable visits stored with a
/// billed state (before 2026-12-07) are moved at start.
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
    public async Task a_reversal_credits_the_visits_line_in_its_last_close_at_the_rates_it_was_billed()
    {
        var (agency, dana, evaluation, target, _) = await ClosedThree();
        (await Documents(Api.Tenant)).ShouldBeEmpty(); // nothing kept per billed visit

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

    /// <summary>
    /// A reversal credits the line as billed, made whole from the close's event (the visit, where it was billed and paid,
    /// the pay sheet: <c>CycleLine</c>), its invoice's line (the bill side, names, the patient's name and MRN) and its pay
    /// stub's line (the pay side, the initials): the patient as billed though corrected since, the initials on the pay
    /// stub, the rates as billed though new ones are set. Closes stored in the two earlier shapes reverse the same: with
    /// whole lines (before 2026-12-07), and with the pay side and initials in the close's line (part of that day).
    /// </summary>
    [Theory]
    [InlineData("ids")]
    [InlineData("pay side")]
    [InlineData("whole")]
    public async Task a_reversal_names_the_patient_and_the_rates_as_billed_made_whole_from_the_close_its_invoice_and_its_pay_stub(string closeStored)
    {
        await Api.CyclesFrom("2026-03-02");
        var agency = await Api.RegisteredAgency("Sunrise HH");
        await Api.SetBillRates(agency, "2026-01-01", Rate("PT", "Evaluation", 150m), Rate("PT", "Routine", 95m));
        var dana = await Api.PlacedContractor(agency, "Dana Kim", "PT");
        await Api.SetPayRates(dana, "2026-01-01", Rate("PT", "Evaluation", 110m), Rate("PT", "Routine", 70m));
        var visit = (await Api.LogVisit(Visit(dana, agency, "2026-03-03", "Routine", patientName: "Ann Able", mrn: "AA-1", miles: 10m))).Id;
        var other = (await Api.LogVisit(Visit(dana, agency, "2026-03-04", "Routine", patientName: "Cy Cole", mrn: "CC-3"))).Id;
        await Api.CloseCurrentCycle();
        if (closeStored != "ids")
        {
            // Each line of the close with its invoice's and its pay stub's line of the same visit and direction.
            var (invoiceSide, extra) = closeStored == "whole"
                ? ("(il.line - 'patient') || jsonb_build_object('agencyName', i.data -> 'agencyName', 'patient', (il.line -> 'patient') || "
                   + "jsonb_build_object('initials', sl.line -> 'sealedPatientInitials', 'mrnFingerprint', 'fp'), 'billRate', il.line -> 'billRate')", "")
                : ("'{}'::jsonb", ", 'patientInitials', sl.line -> 'sealedPatientInitials', 'reason', sl.line -> 'reason'");
            await Sql($"""
                update contracttherapy.mt_events as c
                   set data = jsonb_set(c.data - 'payRunId', array['lines'], (
                       select jsonb_agg({invoiceSide} || l.line || jsonb_build_object('payRate', sl.line -> 'payRate', 'payAmount', sl.line -> 'amount',
                                  'miles', sl.line -> 'miles', 'mileageRate', sl.line -> 'mileageRate', 'mileageAmount', sl.line -> 'mileageAmount'{extra})
                              order by l.position)
                         from jsonb_array_elements(c.data -> 'lines') with ordinality as l(line, position)
                              join contracttherapy.mt_events as i
                                on i.tenant_id = c.tenant_id and i.type = 'invoice_issued' and i.data ->> 'cycleId' = c.data ->> 'cycleId'
                               and i.data ->> 'agencyId' = l.line ->> 'agencyId'
                              cross join lateral jsonb_array_elements(i.data -> 'lines') as il(line)
                              join contracttherapy.mt_events as s
                                on s.tenant_id = c.tenant_id and s.type = 'pay_stub_issued' and s.data ->> 'cycleId' = c.data ->> 'cycleId'
                               and s.data ->> 'contractorId' = l.line ->> 'contractorId'
                              cross join lateral jsonb_array_elements(s.data -> 'lines') as sl(line)
                        where il.line ->> 'visitId' = l.line ->> 'visitId' and il.line ->> 'isReversal' = l.line ->> 'isReversal'
                          and sl.line ->> 'visitId' = l.line ->> 'visitId' and coalesce(sl.line ->> 'isReversal', 'false') = l.line ->> 'isReversal'))
                 where c.tenant_id = '{Api.Tenant}' and c.type = 'cycle_closed'
                """);
            await using var session = App.Store.QuerySession(Api.Tenant);
            (await session.QueryAsync<int>(
                    "select count(*)::int from contracttherapy.mt_events, jsonb_array_elements(data -> 'lines') as l where tenant_id = ? and type = 'cycle_closed' and l -> ? is not null",
                    Api.Tenant, closeStored == "whole" ? "contractorName" : "payAmount")).Single().ShouldBe(2);
        }

        // New rates, a corrected patient, type and miles for one visit; the other voided.
        (await Api.SetBillRates(agency, "2026-03-01", Rate("PT", "Evaluation", 160m), Rate("PT", "Routine", 120m))).ShouldBe(200);
        (await Api.Put($"/api/visits/{visit}", new { visitType = "Evaluation", miles = 4m, patient = new { name = "Bo Baker", mrn = "BB-2" },
            reason = "Wrong chart" })).ShouldBe(200);
        (await Api.Post($"/api/visits/{other}/void", new { reason = "Duplicate" })).ShouldBe(200);
        var next = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json;

        var invoice = (await Api.Get($"/api/invoices/{next.Ids("invoices").Single()}", role: "billing")).ShouldBe(200).Json;
        invoice["agencyName"]!.GetValue<string>().ShouldBe("Sunrise HH");
        invoice["lines"]!.AsArray().Select(l => (Guid.Parse(l!["visitId"]!.GetValue<string>()), l["patientName"]!.GetValue<string>(),
                l["mrn"]!.GetValue<string>(), l["clinician"]!.GetValue<string>(), l["visitType"]!.GetValue<string>(), l["rate"]!.GetValue<decimal>(),
                l["amount"]!.GetValue<decimal>()))
            .ShouldBe([
                (visit, "Ann Able", "AA-1", "Dana Kim", "Routine", 95m, -95m),
                (visit, "Bo Baker", "BB-2", "Dana Kim", "Evaluation", 160m, 160m),
                (other, "Cy Cole", "CC-3", "Dana Kim", "Routine", 95m, -95m),
            ], ignoreOrder: true);
        var stub = (await Api.Get($"/api/paystubs/{next.Ids("payStubs").Single()}", role: "payroll")).ShouldBe(200).Json;
        stub["lines"]!.AsArray().Select(l => (Guid.Parse(l!["visitId"]!.GetValue<string>()), l["patientInitials"]!.GetValue<string>(),
                l["agency"]!.GetValue<string>(), l["rate"]!.GetValue<decimal>(), l["amount"]!.GetValue<decimal>(), l["miles"]!.GetValue<decimal>()))
            .ShouldBe([
                (visit, "A.A.", "Sunrise HH", 70m, -70m, 10m),
                (visit, "B.B.", "Sunrise HH", 110m, 110m, 4m),
                (other, "C.C.", "Sunrise HH", 70m, -70m, 0m),
            ], ignoreOrder: true);
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

    /// <summary>A document of the shape stored before 2026-12-07, from one of the new shape (or none) and what it was.</summary>
    private static string OldShape(string? now, Guid id, Guid contractor, Guid? billedIn, bool pending, bool voided, string? reason)
    {
        var old = now is null
            ? new System.Text.Json.Nodes.JsonObject { ["id"] = id, ["agencyId"] = Guid.NewGuid(), ["patient"] = null, ["visitDate"] = "2026-03-04",
                ["discipline"] = "PT", ["visitType"] = "Routine", ["miles"] = 0 }
            : JsonNodeOf(now).AsObject();
        old.Remove("invoiced");
        old.Remove("corrected");
        if (now is null || billedIn is not null)
        {
            old["contractorId"] = contractor;
            old["noteSigned"] = true;
        }
        old["voided"] = voided;
        old["lastChangeReason"] = reason;
        old["billed"] = billedIn is { } cycle
            ? new System.Text.Json.Nodes.JsonObject { ["cycleId"] = cycle, ["position"] = 0, ["agencyId"] = Guid.NewGuid(), ["visitDate"] = "2026-03-04",
                ["discipline"] = "PT", ["visitType"] = "Routine", ["miles"] = 0, ["voided"] = false }
            : null;
        old["pendingAdjustment"] = pending;
        old["isInvoiced"] = billedIn is not null;
        old["needsAdjustment"] = pending;
        return old.ToJsonString();
    }

    [Fact]
    public async Task billable_visits_stored_with_their_billed_state_are_moved_at_start_and_bill_as_before()
    {
        // Every state a visit's old document could be in: billed and unchanged; not yet invoiced, corrected; not yet
        // invoiced, voided; invoiced then corrected; invoiced then voided; invoiced, voided and reversed; corrected, re-billed,
        // then voided (its correction before the close its billed state names); not yet invoiced, untouched.
        await Api.CyclesFrom("2026-03-02");
        var agency = await Api.RegisteredAgency("Sunrise HH");
        await Api.SetBillRates(agency, "2026-01-01", Rate("PT", "Evaluation", 150m), Rate("PT", "Routine", 95m));
        var dana = await Api.PlacedContractor(agency, "Dana Kim", "PT");
        await Api.SetPayRates(dana, "2026-01-01", Rate("PT", "Evaluation", 110m), Rate("PT", "Routine", 70m));
        async Task<Guid> Logged(string date) => (await Api.LogVisit(Visit(dana, agency, date, "Routine"))).Id;
        var (billed, correctedThenVoided, reversed, invoicedCorrected, invoicedVoided) =
            (await Logged("2026-03-03"), await Logged("2026-03-04"), await Logged("2026-03-05"), await Logged("2026-03-06"), await Logged("2026-03-07"));
        var invoicedCorrectedVoided = await Logged("2026-03-08");
        var first = await Api.CloseCurrentCycle();
        (await Api.Put($"/api/visits/{correctedThenVoided}", new { visitType = "Evaluation", reason = "It was the evaluation" })).ShouldBe(200);
        (await Api.Post($"/api/visits/{reversed}/void", new { reason = "Duplicate" })).ShouldBe(200);
        var second = await Api.CloseCurrentCycle(); // re-bills one, reverses one
        var openCorrected = await Logged("2026-03-10"); // late
        var openVoided = await Logged("2026-03-11");
        var open = await Logged("2026-03-31"); // the third cycle's
        (await Api.Put($"/api/visits/{openCorrected}", new { miles = 3.5m, reason = "Miles driven" })).ShouldBe(200);
        (await Api.Post($"/api/visits/{openVoided}/void", new { reason = "Not seen" })).ShouldBe(200);
        (await Api.Post($"/api/visits/{correctedThenVoided}/void", new { reason = "Duplicate" })).ShouldBe(200);
        (await Api.Put($"/api/visits/{invoicedCorrected}", new { visitType = "Evaluation", reason = "It was the evaluation" })).ShouldBe(200);
        (await Api.Post($"/api/visits/{invoicedVoided}/void", new { reason = "Not seen" })).ShouldBe(200);
        (await Api.Put($"/api/visits/{invoicedCorrectedVoided}", new { miles = 7m, reason = "Miles driven" })).ShouldBe(200);
        (await Api.Post($"/api/visits/{invoicedCorrectedVoided}/void", new { reason = "Not seen" })).ShouldBe(200);

        var now = await Documents(Api.Tenant);
        now.Keys.ShouldBe([correctedThenVoided, invoicedCorrected, invoicedVoided, invoicedCorrectedVoided, openCorrected, open], ignoreOrder: true);
        var correctedVoided = JsonNodeOf(now[invoicedCorrectedVoided]);
        (correctedVoided["corrected"]!.GetValue<bool>(), correctedVoided["voided"]!.GetValue<bool>(), correctedVoided["miles"]!.GetValue<decimal>())
            .ShouldBe((true, true, 7m));

        // The shape stored until 2026-12-07: a document for every visit, each with its billed state.
        var old = new Dictionary<Guid, string>
        {
            [billed] = OldShape(null, billed, dana, first, pending: false, voided: false, null),
            [reversed] = OldShape(null, reversed, dana, first, pending: false, voided: true, "Duplicate"),
            [openVoided] = OldShape(null, openVoided, dana, null, pending: false, voided: true, "Not seen"),
            [openCorrected] = OldShape(now[openCorrected], openCorrected, dana, null, pending: false, voided: false, "Miles driven"),
            [open] = OldShape(now[open], open, dana, null, pending: false, voided: false, null),
            [invoicedCorrected] = OldShape(now[invoicedCorrected], invoicedCorrected, dana, first, pending: true, voided: false, "It was the evaluation"),
            [invoicedVoided] = OldShape(null, invoicedVoided, dana, first, pending: true, voided: true, "Not seen"),
            [correctedThenVoided] = OldShape(null, correctedThenVoided, dana, second, pending: true, voided: true, "Duplicate"),
            [invoicedCorrectedVoided] = OldShape(now[invoicedCorrectedVoided], invoicedCorrectedVoided, dana, first, pending: true, voided: true, "Not seen"),
        };
        var table = "contracttherapy.mt_doc_billablevisit";
        await Sql($"delete from {table} where tenant_id = '{Api.Tenant}'");
        foreach (var (id, json) in old)
            await Sql($"insert into {table} (tenant_id, id, data, mt_version) values ('{Api.Tenant}', '{id}', '{json.Replace("'", "''")}'::jsonb, 1)");
        (await Documents(Api.Tenant)).Count.ShouldBe(9);

        var migration = App.Store.Advanced.InitialDataCollection.OfType<BillableVisitsWithoutBilledState>().ShouldHaveSingleItem();
        try
        {
            for (var i = 0; i < 2; i++) await migration.Populate(App.Store, CancellationToken.None);
            var moved = await Documents(Api.Tenant);
            moved.Keys.ShouldBe(now.Keys, ignoreOrder: true);
            foreach (var (id, json) in now)
                System.Text.Json.Nodes.JsonNode.DeepEquals(JsonNodeOf(moved[id]), JsonNodeOf(json)).ShouldBeTrue($"visit {id}: {moved[id]} != {json}");
            (await Replayed(nameof(BillableVisit))).Differences.Where(d => d.Tenant == Api.Tenant).ShouldBeEmpty();

            // And the moved documents bill as before: each reversal credits the visit's line in its last close.
            var third = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json;
            (await InvoiceLinesOf(third)).ShouldBe([
                ("adjustment", correctedThenVoided, "Evaluation", 150m, -150m),
                ("adjustment", invoicedCorrected, "Routine", 95m, -95m),
                ("adjustment", invoicedCorrected, "Evaluation", 150m, 150m),
                ("adjustment", invoicedVoided, "Routine", 95m, -95m),
                ("adjustment", invoicedCorrectedVoided, "Routine", 95m, -95m),
                ("late", openCorrected, "Routine", 95m, 95m),
                ("visit", open, "Routine", 95m, 95m),
            ], ignoreOrder: true);
            (await Documents(Api.Tenant)).ShouldBeEmpty();
        }
        finally
        {
            // Every replay in this database compares all tenants' documents: none of the old shape may stay behind.
            await migration.Populate(App.Store, CancellationToken.None);
        }
    }

    private static System.Text.Json.Nodes.JsonNode JsonNodeOf(string json) => System.Text.Json.Nodes.JsonNode.Parse(json)!;

    [Fact]
    public async Task once_nothing_has_the_old_shape_the_start_up_migration_reads_neither_the_documents_nor_the_events()
    {
        var (agency, dana, _, _, _) = await ClosedThree();
        await Api.LogVisit(Visit(dana, agency, "2026-03-10")); // one document: not yet invoiced
        var migration = App.Store.Advanced.InitialDataCollection.OfType<BillableVisitsWithoutBilledState>().Single();
        await migration.Populate(App.Store, CancellationToken.None);

        await using var connection = new Npgsql.NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // A table as small as this one is read whole; on a large one the empty partial index is cheaper (priced as such here).
        await using (var off = new Npgsql.NpgsqlCommand("set local enable_seqscan = off", connection, transaction))
            await off.ExecuteNonQueryAsync();
        var plan = new List<string>();
        await using (var explain = new Npgsql.NpgsqlCommand($"explain (analyze, costs off, timing off) {migration.Sql(App.Store.Options)}", connection, transaction))
        await using (var reader = await explain.ExecuteReaderAsync())
            while (await reader.ReadAsync()) plan.Add(reader.GetString(0));
        await transaction.RollbackAsync();

        // The old documents are found through the (empty) partial index, and the events are never read.
        var text = string.Join("\n", plan);
        plan.ShouldContain(l => l.Contains("Index Scan on " + BillableVisitsWithoutBilledState.OldShapeIndex), text);
        plan.ShouldNotContain(l => l.Contains("Seq Scan on mt_doc_billablevisit"), text);
        plan.Where(l => l.Contains("on mt_events")).ShouldAllBe(l => l.Contains("never executed"), text);
    }

    [Fact]
    public async Task the_start_replaces_the_first_form_of_the_closes_line_index_and_runs_again_harmlessly()
    {
        // The first form (a SQL function of our own over jsonb_array_elements), as a store of this morning has it.
        await Sql("""
            create or replace function contracttherapy.ct_closed_line_visits(lines jsonb) returns uuid[] language sql immutable parallel safe
              as $fn$ select coalesce(array_agg((l ->> 'visitId')::uuid), '{}') from jsonb_array_elements(lines) as l $fn$
            """);
        await Sql($"create index if not exists {ClosedLineVisits.FirstIndexName} on contracttherapy.mt_events using gin (contracttherapy.ct_closed_line_visits(data -> 'lines')) where type = 'cycle_closed'");
        var start = App.Store.Advanced.InitialDataCollection.OfType<ClosedLineVisits>().ShouldHaveSingleItem();
        for (var i = 0; i < 2; i++) await start.Populate(App.Store, CancellationToken.None);

        await using (var session = App.Store.QuerySession(Api.Tenant))
        {
            (await session.QueryAsync<string>("select indexname from pg_indexes where schemaname = 'contracttherapy' and indexname like 'mt_events_idx_closed_line%'"))
                .ShouldBe([ClosedLineVisits.IndexName]);
            (await session.QueryAsync<int>("select count(*)::int from pg_proc where proname = 'ct_closed_line_visits'")).Single().ShouldBe(0);
        }
        // And the lines are still found through it: a reversal credits the visit's line.
        var (_, _, _, target, _) = await ClosedThree();
        (await Api.Put($"/api/visits/{target}", new { visitType = "Evaluation", reason = "It was the evaluation" })).ShouldBe(200);
        var next = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json;
        (await InvoiceLinesOf(next)).ShouldBe([("adjustment", target, "Routine", 95m, -95m), ("adjustment", target, "Evaluation", 150m, 150m)], ignoreOrder: true);
    }
}

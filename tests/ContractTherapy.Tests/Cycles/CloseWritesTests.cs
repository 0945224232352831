using Marten;
using Marten.Linq;
using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using ContractTherapy.Audit;
using ContractTherapy.Invoicing.Billing;
using ContractTherapy.Invoicing.ClosingCycles;
using ContractTherapy.Invoicing.Cycles;
using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Cycles;

/// <summary>
/// What the close writes in its own transaction for speed (ops/bench/README.md, "The close at full size, 2026-12-06"):
/// the deletes of its visits' billable documents in one statement (not the inline projection's load and delete per visit), the pay
/// stubs (not a message to Payroll), and the message to Visits in parts.
/// </summary>
public sealed class CloseWritesTests(AppFixture app) : IntegrationTest(app)
{
    private async Task<(Guid Agency, Guid Dana)> RatedAgencyAndContractor()
    {
        var agency = await Api.RegisteredAgency("Sunrise HH");
        await Api.SetBillRates(agency, "2026-01-01", Rate("PT", "Evaluation", 150m), Rate("PT", "Routine", 95m));
        var dana = await Api.PlacedContractor(agency, "Dana Kim", "PT");
        await Api.SetPayRates(dana, "2026-01-01", Rate("PT", "Evaluation", 110m), Rate("PT", "Routine", 70m));
        return (agency, dana);
    }

    [Fact]
    public async Task the_close_deletes_its_visits_documents_and_a_change_since_starts_one_as_the_projection_folds_the_events()
    {
        await Api.CyclesFrom("2026-03-02", requireSignedNote: false);
        var (agency, dana) = await RatedAgencyAndContractor();
        var corrected = (await Api.LogVisit(Visit(dana, agency, "2026-03-03", "Routine"))).Id;
        var voided = (await Api.LogVisit(Visit(dana, agency, "2026-03-04", "Routine"))).Id;
        var untouched = (await Api.LogVisit(Visit(dana, agency, "2026-03-05", "Routine"))).Id;
        var unsigned = (await Api.LogVisit(Visit(dana, agency, "2026-03-06", "Routine", noteSigned: false))).Id;
        var notYet = (await Api.LogVisit(Visit(dana, agency, "2026-03-20", "Routine"))).Id; // the next cycle's
        var all = new[] { corrected, voided, untouched, unsigned, notYet };
        async Task<Dictionary<Guid, BillableVisit>> Documents()
        {
            await using var session = App.Store.QuerySession(Api.Tenant);
            return (await session.LoadManyAsync<BillableVisit>(all)).ToDictionary(v => v.Id);
        }

        var before = await Documents();
        before.Keys.ShouldBe(all, ignoreOrder: true);
        before.Values.ShouldAllBe(v => !v.Invoiced && !v.Corrected);
        await Api.CloseCurrentCycle();
        (await Documents()).Keys.ShouldBe([notYet]);

        // After the close: a note signed has nothing to change; a correction and a void each start the document of what
        // changed (the contractor and, for the void, the facts are the billed line's, read at the next close).
        await Api.Post($"/api/visits/{unsigned}/sign-note", null, role: "contractor", contractorId: dana);
        (await Api.Put($"/api/visits/{corrected}", new { visitType = "Evaluation", reason = "It was the evaluation" })).ShouldBe(200);
        (await Api.Post($"/api/visits/{voided}/void", new { reason = "Duplicate" })).ShouldBe(200);
        var changed = await Documents();
        changed.Keys.ShouldBe([corrected, voided, notYet], ignoreOrder: true);
        changed[corrected].ShouldBe(BillableVisit.ChangedSinceInvoiced(corrected) with
        {
            AgencyId = agency, Patient = before[corrected].Patient, VisitDate = new DateOnly(2026, 3, 3), Discipline = ContractTherapy.Shared.Domain.Discipline.PT,
            VisitType = ContractTherapy.Shared.Domain.VisitType.Evaluation, LastChangeReason = "It was the evaluation", Corrected = true,
        });
        changed[voided].ShouldBe(BillableVisit.ChangedSinceInvoiced(voided) with { Voided = true, LastChangeReason = "Duplicate" });
        (await Replayed(nameof(BillableVisit))).Differences.Where(d => d.Tenant == Api.Tenant).ShouldBeEmpty();

        var second = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json;
        var lines = (await Api.Get($"/api/invoices/{second.Ids("invoices").Single()}", role: "billing")).ShouldBe(200).Json["lines"]!.AsArray()
            .Select(l => (Guid.Parse(l!["visitId"]!.GetValue<string>()), l["visitType"]!.GetValue<string>(), l["amount"]!.GetValue<decimal>())).ToList();
        lines.ShouldBe([(corrected, "Routine", -95m), (corrected, "Evaluation", 150m), (voided, "Routine", -95m), (notYet, "Routine", 95m)], ignoreOrder: true);
        (await Documents()).ShouldBeEmpty();

        // The projection run over the events (the replay) builds the same documents: none left for this tenant.
        (await Replayed(nameof(BillableVisit))).Differences.Where(d => d.Tenant == Api.Tenant).ShouldBeEmpty();
    }

    [Fact]
    public async Task the_close_marks_only_its_own_event_instance_and_leaves_a_close_it_cannot_write_to_the_projection()
    {
        await Api.CyclesFrom("2026-03-02");
        var (agency, dana) = await RatedAgencyAndContractor();
        var visit = (await Api.LogVisit(Visit(dana, agency, "2026-03-03", "Routine"))).Id;
        await using var session = App.Store.LightweightSession(Api.Tenant);
        var read = (await session.LoadAsync<BillableVisit>(visit)).ShouldNotBeNull();
        var line = CycleLine.Of(new ClosedLine(visit, LineKind.Visit, false, agency, "Sunrise HH", dana, "Dana Kim", read.VisitDate, read.Discipline,
            read.VisitType, read.Patient!, 95m, 95m, null, 70m, 70m, null, false, 0m, 0m, 0m, null));
        var closed = new CycleClosed(Guid.NewGuid(), new DateOnly(2026, 3, 2), new DateOnly(2026, 3, 8), new DateOnly(2026, 3, 9),
            DateTimeOffset.UnixEpoch, [line], [], [], Guid.NewGuid());

        // A visit of the close that was not read: nothing is written, the projection applies the event.
        InvoicedByClose.Queue(session, closed, []).ShouldBeFalse();
        InvoicedByClose.Wrote(closed).ShouldBeFalse();

        InvoicedByClose.Queue(session, closed, [read]).ShouldBeTrue();
        InvoicedByClose.Wrote(closed).ShouldBeTrue();
        // An equal event read back from the store (a replay) is another instance: the projection applies it.
        InvoicedByClose.Wrote(closed with { }).ShouldBeFalse();
        await session.SaveChangesAsync();

        await using var after = App.Store.QuerySession(Api.Tenant);
        BillableVisitProjection.Fold(read, closed).ShouldBeNull();
        (await after.LoadAsync<BillableVisit>(visit)).ShouldBeNull();
    }

    [Fact]
    public async Task a_note_signed_while_a_close_bills_the_visit_waits_for_it_and_does_not_bring_its_document_back()
    {
        // A close that bills an unsigned visit (the tenant does not require signed notes) deletes its document; the note
        // signed meanwhile must not write it back, or the next close would bill the visit again.
        await Api.CyclesFrom("2026-03-02", requireSignedNote: false);
        var (agency, dana) = await RatedAgencyAndContractor();
        var visit = (await Api.LogVisit(Visit(dana, agency, "2026-03-03", "Routine", noteSigned: false))).Id;
        (await Stored("mt_doc_billablevisit", visit)).GetProperty("noteSigned").GetBoolean().ShouldBeFalse();

        // The close's part, done by hand: the tenant's billing lock, the visit's document deleted, not yet committed.
        await using var connection = new Npgsql.NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var close = await connection.BeginTransactionAsync();
        await using (var command = new Npgsql.NpgsqlCommand(
                         "select pg_advisory_xact_lock(hashtext(@key)); delete from contracttherapy.mt_doc_billablevisit where tenant_id = @t and id = @v",
                         connection, close))
        {
            command.Parameters.AddWithValue("key", ContractTherapy.Shared.Persistence.BillingLock.KeyFor(Api.Tenant));
            command.Parameters.AddWithValue("t", Api.Tenant);
            command.Parameters.AddWithValue("v", visit);
            await command.ExecuteNonQueryAsync();
        }
        var signing = Api.Post($"/api/visits/{visit}/sign-note", null, role: "contractor", contractorId: dana);
        (await Task.WhenAny(signing, Task.Delay(700))).ShouldNotBe(signing, "the note was signed while the close held the billing lock");
        await close.CommitAsync();

        (await signing).ShouldBe(200).Json["noteSigned"]!.GetValue<bool>().ShouldBeTrue();
        await using var session = App.Store.QuerySession(Api.Tenant);
        (await session.LoadAsync<BillableVisit>(visit)).ShouldBeNull();
    }

    [Fact]
    public async Task the_pay_stubs_are_readable_when_the_close_answers_and_two_closes_issue_one_pay_run()
    {
        await Api.CyclesFrom("2026-03-02");
        var (agency, dana) = await RatedAgencyAndContractor();
        await Api.LogVisit(Visit(dana, agency, "2026-03-03", "Routine"));
        await Api.LogVisit(Visit(dana, agency, "2026-03-04", "Evaluation"));
        var cycle = (await Api.CurrentCycle()).IdOf();

        // No waiting for messages: the stubs committed with the close.
        var replies = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Api.Post($"/api/cycles/{cycle}/close", null, role: "billing")));
        var closed = replies.Single(r => r.Status == 200).Json;
        replies.Count(r => r.Status == 409).ShouldBe(2);
        var stubs = (await Api.Get($"/api/paystubs?cycleId={cycle}", role: "payroll")).Json;
        stubs["total"]!.GetValue<long>().ShouldBe(1);
        stubs["items"]!.AsArray().Single()!.IdOf().ShouldBe(closed.Ids("payStubs").Single());
        stubs["items"]!.AsArray().Single()!["total"]!.GetValue<decimal>().ShouldBe(180m);
    }

    [Fact]
    public async Task the_close_compresses_its_large_values_with_lz4_and_only_in_its_own_transaction()
    {
        await using (var probe = App.Store.QuerySession())
            if (!await ContractTherapy.Shared.Persistence.LargeValues.Lz4AvailableAsync(probe, CancellationToken.None))
                return; // a server without lz4 keeps pglz (ops/postgres.sh's has it)
        await Api.CyclesFrom("2026-03-02");
        var (agency, dana) = await RatedAgencyAndContractor();
        for (var day = 3; day <= 8; day++) await Api.LogVisit(Visit(dana, agency, $"2026-03-0{day}", "Routine"));
        var invoice = (await Api.CloseCycle((await Api.CurrentCycle()).IdOf())).ShouldBe(200).Json.Ids("invoices").Single();
        (await Api.Post($"/api/invoices/{invoice}/payments", new { amount = 10, receivedOn = "2026-03-20", reference = "chk 1" },
            role: "billing")).ShouldBe(200);

        await using var session = App.Store.QuerySession(Api.Tenant);
        // Six lines make values past PostgreSQL's 2 kB threshold, so they are compressed: by the close with lz4.
        (await session.QueryAsync<string>(
            "select coalesce(pg_column_compression(data), 'none') from contracttherapy.mt_events where tenant_id = ? and type in ('cycle_closed', 'invoice_issued')",
            Api.Tenant)).ShouldBe(["lz4", "lz4"]);

        // Only in the close's transaction: on one connection that stays open (Npgsql's pool would reset a returned
        // connection's settings and hide a session-wide setting), the setting is gone once the transaction committed.
        var serverDefault = (await session.QueryAsync<string>("select current_setting('default_toast_compression')")).Single();
        serverDefault.ShouldNotBe("lz4");
        await using var connection = new Npgsql.NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        async Task<string> Setting()
        {
            await using var command = new Npgsql.NpgsqlCommand("select current_setting('default_toast_compression')", connection);
            return (string)(await command.ExecuteScalarAsync())!;
        }
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using (var writer = App.Store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction)))
            {
                await ContractTherapy.Shared.Persistence.LargeValues.CompressQuicklyAsync(writer, CancellationToken.None);
                (await writer.QueryAsync<string>("select current_setting('default_toast_compression')")).Single().ShouldBe("lz4");
            }
            await transaction.CommitAsync();
        }
        (await Setting()).ShouldBe(serverDefault);
    }

    [Fact]
    public async Task the_closes_queries_of_changed_visits_and_of_their_lines_and_the_start_ups_can_use_their_indexes()
    {
        // The queries CloseCycleEndpoints.PlanAsync sends; with sequential scans priced out, PostgreSQL picks the index
        // only if the query's conditions imply a partial index's predicate and name its expression (so a change in the SQL
        // Marten writes shows here). The third is how the start-up migration (BillableVisitsWithoutBilledState) finds the
        // documents of the old shape.
        await using var session = App.Store.QuerySession(Api.Tenant);
        var changed = new Npgsql.NpgsqlCommand(BillableVisitQueries.ChangedSinceInvoicedSql(session).Replace("?", "$1"))
            { Parameters = { new() { Value = Api.Tenant } } };
        var lines = new Npgsql.NpgsqlCommand(ReplaceParameters(BilledLines.Sql(session)))
        {
            Parameters =
            {
                new() { Value = new[] { Guid.NewGuid().ToString() } }, new() { Value = Api.Tenant }, new() { Value = new[] { Guid.NewGuid() } },
                new() { Value = Api.Tenant }, new() { Value = new[] { Guid.NewGuid() } },
            },
        };
        var oldShape = new Npgsql.NpgsqlCommand(
            $"select 1 from contracttherapy.mt_doc_billablevisit as o where o.{BillableVisitsWithoutBilledState.OldShapePredicate}");
        foreach (var (command, index, partial) in new[] { (changed, "mt_doc_billablevisit_idx_invoiced", " WHERE "),
                     (lines, ClosedLineVisits.IndexName, "USING gin"), (oldShape, BillableVisitsWithoutBilledState.OldShapeIndex, " WHERE ") })
        {
            await using var connection = new Npgsql.NpgsqlConnection(App.ConnectionString);
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var off = new Npgsql.NpgsqlCommand("set local enable_seqscan = off", connection, transaction))
                await off.ExecuteNonQueryAsync();
            command.Connection = connection;
            command.Transaction = transaction;
            command.CommandText = "explain " + command.CommandText;
            var plan = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync())
                while (await reader.ReadAsync()) plan.Add(reader.GetString(0));
            string.Join("\n", plan).ShouldContain(index, Case.Sensitive, string.Join("\n", plan));
            (await new Npgsql.NpgsqlCommand($"select indexdef from pg_indexes where indexname = '{index}'", connection, transaction)
                .ExecuteScalarAsync() as string).ShouldNotBeNull().ShouldContain(partial);
        }
    }

    /// <summary>The placeholders of <see cref="BilledLines"/> as Npgsql's positional ones.</summary>
    private static string ReplaceParameters(string sql)
    {
        var n = 0;
        return System.Text.RegularExpressions.Regex.Replace(sql, System.Text.RegularExpressions.Regex.Escape(BilledLines.Placeholder.ToString()), _ => $"${++n}");
    }

    [Fact]
    public async Task the_billable_visits_table_keeps_only_its_own_indexes()
    {
        // Indexes of the shapes before (billed state in every document) would be kept up on every visit logged.
        await using var connection = new Npgsql.NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        var names = new List<string>();
        await using (var command = new Npgsql.NpgsqlCommand(
                         "select indexname from pg_indexes where schemaname = 'contracttherapy' and tablename = 'mt_doc_billablevisit' order by 1", connection))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) names.Add(reader.GetString(0));
        names.ShouldBe(["mt_doc_billablevisit_idx_billed_state", "mt_doc_billablevisit_idx_invoiced", "pkey_mt_doc_billablevisit_tenant_id_id"]);
    }

    [Fact]
    public void the_visits_invoiced_parts_are_handled_one_at_a_time_leaving_a_core_to_readers()
    {
        var runtime = App.Host.Services.GetRequiredService<Wolverine.Runtime.IWolverineRuntime>();
        var route = runtime.RoutingFor(typeof(ContractTherapy.Visits.InvoicingVisits.VisitsInvoiced)).Routes.ShouldHaveSingleItem();
        var queue = runtime.Endpoints.EndpointFor(route.Describe().Endpoint).ShouldNotBeNull();
        queue.MaxDegreeOfParallelism.ShouldBe(1);
        // Other messages keep Wolverine's default parallelism.
        var notices = runtime.RoutingFor(typeof(ContractTherapy.Invoicing.NotifyingAgencies.SendInvoiceNotice)).Routes.ShouldHaveSingleItem();
        runtime.Endpoints.EndpointFor(notices.Describe().Endpoint).ShouldNotBeNull().MaxDegreeOfParallelism.ShouldBeGreaterThan(1);
    }

    [Fact]
    public void the_visits_invoiced_go_to_visits_in_parts_each_visit_once()
    {
        var cycle = Guid.NewGuid();
        var visits = Enumerable.Range(0, 2 * CloseCycleEndpoints.VisitsInvoicedPart + 7).Select(_ => Guid.NewGuid()).ToList();
        var parts = CloseCycleEndpoints.VisitsInvoicedParts(cycle, visits);
        parts.Select(p => p.VisitIds.Count).ShouldBe([CloseCycleEndpoints.VisitsInvoicedPart, CloseCycleEndpoints.VisitsInvoicedPart, 7]);
        parts.ShouldAllBe(p => p.CycleId == cycle);
        parts.SelectMany(p => p.VisitIds).ShouldBe(visits);
        CloseCycleEndpoints.VisitsInvoicedParts(cycle, []).ShouldBeEmpty();
    }
}

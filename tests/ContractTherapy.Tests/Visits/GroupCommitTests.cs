using ContractTherapy.Shared.Domain;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using ContractTherapy.Invoicing.Billing;
using ContractTherapy.Tests.Infrastructure;
using ContractTherapy.Visits.LoggingVisits;
using ContractTherapy.Visits.Visits;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Visits;

/// <summary>
/// Group commit of logged visits (<see cref="VisitGroupCommit"/>): visits that arrive together share one
/// transaction, and each is still decided as it would be alone and answered after its own commit.
/// </summary>
public sealed class GroupCommitTests(AppFixture app) : IntegrationTest(app)
{
    private FieldCipher Cipher => App.Host.Services.GetRequiredService<FieldCipher>();

    private VisitDraft Draft(Guid contractor, Guid agency, string mrn, string user = "office-1", string role = Roles.Billing,
        bool intended = false, Guid? id = null, int daysAgo = 1)
    {
        var patient = PatientSeal.Seal(Cipher, Api.Tenant, "Jane Doe", mrn);
        var date = DateOnly.Parse(DaysAgo(daysAgo));
        var logged = new VisitLogged(id ?? Guid.CreateVersion7(), contractor, agency, patient, date, Discipline.PT, VisitType.Routine, 3m,
            null, true, intended ? "Second visit the same day" : null, HoldsKey: true);
        return new VisitDraft(Api.Tenant, null, VisitFingerprint.KeyFor(contractor, patient.MrnFingerprint, agency, date, Discipline.PT, VisitType.Routine),
            intended, logged, new VisitAuthor(user, role, $"trace-{user}"));
    }

    private async Task<(Guid Agency, Guid Dana)> Placed()
    {
        var agency = await Api.RegisteredAgency();
        return (agency, await Api.PlacedContractor(agency));
    }

    [Fact]
    public async Task visits_in_one_transaction_are_each_decided_as_they_would_be_alone()
    {
        var (agency, dana) = await Placed();
        var stranger = Guid.NewGuid();
        var commit = App.Host.Services.GetRequiredService<VisitGroupCommit>();
        var first = Draft(dana, agency, "MRN-1", user: "office-1", role: Roles.Billing);
        var again = Draft(dana, agency, "MRN-1", user: "office-2");
        var intended = Draft(dana, agency, "MRN-1", intended: true);
        var refused = Draft(stranger, agency, "MRN-2");
        var future = Draft(dana, agency, "MRN-3", daysAgo: -2);
        var other = Draft(dana, agency, "MRN-4", user: "dana", role: Roles.Contractor);

        var outcomes = await Task.WhenAll(commit.CommitTogether(Api.Tenant, [first, again, intended, refused, future, other]));

        outcomes[0].ShouldBeOfType<VisitOutcome.Created>().Visit.Id.ShouldBe(first.Id);
        // The same duplicate key taken by an earlier visit of the same transaction: a probable duplicate of it.
        outcomes[1].ShouldBeOfType<VisitOutcome.ProbableDuplicate>().ExistingVisitId.ShouldBe(first.Id);
        outcomes[2].ShouldBeOfType<VisitOutcome.Created>();
        outcomes[3].ShouldBeOfType<VisitOutcome.Refused>().Refusal.Rule.ShouldBe("contractor-known");
        outcomes[4].ShouldBeOfType<VisitOutcome.Refused>().Refusal.Rule.ShouldBe("visit-date-not-in-future");
        outcomes[5].ShouldBeOfType<VisitOutcome.Created>();

        await using var session = App.Store.QuerySession(Api.Tenant);
        (await session.Query<Visit>().CountAsync()).ShouldBe(3);
        // One holder a key: the intended duplicate does not take the key from the first visit, and its event says so.
        (await session.Query<Visit>().Where(v => v.HeldKey == VisitFingerprint.IdOf(first.DuplicateKey)).Select(v => v.Id).ToListAsync()).ShouldBe([first.Id]);
        var duplicate = (await session.LoadAsync<Visit>(intended.Id)).ShouldNotBeNull();
        (duplicate.DuplicateReason, duplicate.HoldsKey, duplicate.HeldKey).ShouldBe(("Second visit the same day", false, null));
        ((VisitLogged)(await session.Events.FetchStreamAsync(intended.Id)).Single().Data).HoldsKey.ShouldBe(false);
        ((VisitLogged)(await session.Events.FetchStreamAsync(first.Id)).Single().Data).HoldsKey.ShouldBe(true);

        // Each event keeps its own author, role and trace, not the first one's of the transaction.
        var mine = (await session.Events.FetchStreamAsync(first.Id)).Single();
        var theirs = (await session.Events.FetchStreamAsync(other.Id)).Single();
        (mine.UserName, mine.GetHeader(AuditStamp.RoleHeader)?.ToString(), mine.CorrelationId).ShouldBe(("office-1", Roles.Billing, "trace-office-1"));
        (theirs.UserName, theirs.GetHeader(AuditStamp.RoleHeader)?.ToString(), theirs.CorrelationId).ShouldBe(("dana", Roles.Contractor, "trace-dana"));
    }

    [Fact]
    public async Task a_write_conflict_fails_only_the_visit_in_conflict()
    {
        var (agency, dana) = await Placed();
        var commit = App.Host.Services.GetRequiredService<VisitGroupCommit>();
        var fine = Draft(dana, agency, "MRN-5");
        // Its id is taken by another stream (the contractor's): the transaction's commit fails on it.
        var clashing = Draft(dana, agency, "MRN-6", id: dana);
        var alsoFine = Draft(dana, agency, "MRN-7");

        var outcomes = commit.CommitTogether(Api.Tenant, [fine, clashing, alsoFine]);

        (await outcomes[0]).ShouldBeOfType<VisitOutcome.Created>();
        // A conflict, which the API answers 409 (not a 500): its id is another stream's, whatever the retries.
        await Should.ThrowAsync<JasperFx.ConcurrencyException>(() => outcomes[1]);
        (await outcomes[2]).ShouldBeOfType<VisitOutcome.Created>();
        await using var session = App.Store.QuerySession(Api.Tenant);
        (await session.Query<Visit>().Select(v => v.Id).ToListAsync()).OrderBy(x => x).ShouldBe(new[] { fine.Id, alsoFine.Id }.OrderBy(x => x));
        var clashingKey = VisitFingerprint.IdOf(clashing.DuplicateKey);
        (await session.Query<Visit>().AnyAsync(v => v.HeldKey == clashingKey)).ShouldBeFalse();
        // Decided again one at a time in sessions of their own: each written visit has its billable document, written
        // with it (the retry's statement writes it again), and the visit in conflict has none.
        (await session.LoadAsync<BillableVisit>(fine.Id)).ShouldNotBeNull();
        (await session.LoadAsync<BillableVisit>(alsoFine.Id)).ShouldNotBeNull();
        (await session.LoadAsync<BillableVisit>(clashing.Id)).ShouldBeNull();
    }

    [Fact]
    public async Task a_batch_meeting_a_committed_duplicate_or_replay_is_decided_again_as_one_batch()
    {
        var (agency, dana) = await Placed();
        var commit = App.Host.Services.GetRequiredService<VisitGroupCommit>();
        var committed = Draft(dana, agency, "MRN-R1");
        var keyedEarlier = Draft(dana, agency, "MRN-R2") with { KeyedId = Guid.CreateVersion7() };
        keyedEarlier = keyedEarlier with { Logged = keyedEarlier.Logged with { VisitId = keyedEarlier.KeyedId!.Value } };
        (await Task.WhenAll(commit.CommitTogether(Api.Tenant, [committed, keyedEarlier]))).ShouldAllBe(o => o is VisitOutcome.Created);
        var transactions = commit.Transactions;

        // The first attempt knows of neither (nothing is probed up front): the fingerprint's key and the keyed visit's
        // stream id fail its insert.
        var fine = Draft(dana, agency, "MRN-R3");
        var duplicate = Draft(dana, agency, "MRN-R1");
        var retried = keyedEarlier with { Author = new VisitAuthor("office-2", Roles.Billing, "trace-retry") };
        var alsoFine = Draft(dana, agency, "MRN-R4");
        var outcomes = await Task.WhenAll(commit.CommitTogether(Api.Tenant, [fine, duplicate, retried, alsoFine]));

        outcomes[0].ShouldBeOfType<VisitOutcome.Created>();
        outcomes[1].ShouldBeOfType<VisitOutcome.ProbableDuplicate>().ExistingVisitId.ShouldBe(committed.Id);
        outcomes[2].ShouldBeOfType<VisitOutcome.Replayed>().Earlier.Id.ShouldBe(keyedEarlier.Id);
        outcomes[3].ShouldBeOfType<VisitOutcome.Created>();
        // Decided again as one batch with the probes on, not one visit at a time: one more transaction, not two.
        (commit.Transactions - transactions).ShouldBe(1);
        await using var session = App.Store.QuerySession(Api.Tenant);
        (await session.Query<Visit>().CountAsync()).ShouldBe(4);
    }

    [Fact]
    public async Task a_change_raced_between_the_decision_and_the_write_is_caught_though_the_other_writer_read_it()
    {
        var (agency, dana) = await Placed();
        await using var commit = new VisitGroupCommit(App.Store, TestClock.Instance, new VisitGroupCommitOptions { Writers = 1 },
            App.Host.Services.GetServices<ILoggedVisitWriter>());
        (await commit.Submit(Draft(dana, agency, "MRN-H1"))).ShouldBeOfType<VisitOutcome.Created>(); // dana remembered, active
        commit.AfterDecidingOnSeen = async tenant =>
        {
            commit.AfterDecidingOnSeen = null;
            (await Api.Post($"/api/contractors/{dana}/deactivate", new { reason = "Left the agency" }, role: "payroll")).ShouldBe(200);
            // The other writer reads the change now: the node's memory is current, the batch's decision is not.
            await using var other = App.Store.LightweightSession(tenant);
            await other.BeginTransactionAsync(default);
            await commit.RulesSeen.Read(other, [dana], default);
        };

        var outcome = await commit.Submit(Draft(dana, agency, "MRN-H2"));

        outcome.ShouldBeOfType<VisitOutcome.Refused>().Refusal.Rule.ShouldBe("contractor-active");
        commit.AfterDecidingOnSeen.ShouldBeNull(); // the race did run
        await using var session = App.Store.QuerySession(Api.Tenant);
        (await session.Query<Visit>().CountAsync()).ShouldBe(1);
    }

    [Fact]
    public async Task visits_that_arrive_while_a_transaction_is_in_flight_share_the_next_one()
    {
        var (agency, dana) = await Placed();
        await using var commit = new VisitGroupCommit(App.Store, TestClock.Instance, new VisitGroupCommitOptions { Writers = 1, MaxBatch = 64 },
            App.Host.Services.GetServices<ILoggedVisitWriter>());
        var drafts = Enumerable.Range(0, 40).Select(i => Draft(dana, agency, $"MRN-B{i}")).ToList();

        var outcomes = await Task.WhenAll(drafts.Select(commit.Submit).ToList());

        outcomes.ShouldAllBe(o => o is VisitOutcome.Created);
        commit.VisitsWritten.ShouldBe(40);
        // One writer: the first transaction takes what waits when it starts, the next everything queued meanwhile.
        commit.Transactions.ShouldBeLessThanOrEqualTo(3);
        await using var session = App.Store.QuerySession(Api.Tenant);
        (await session.Query<Visit>().CountAsync()).ShouldBe(40);
    }

    [Fact]
    public async Task concurrent_requests_are_each_answered_as_alone()
    {
        var (agency, dana) = await Placed();
        var stranger = await Api.PlacedContractor(await Api.RegisteredAgency("Elsewhere HH"), "Sam Ortiz");
        var requests = Enumerable.Range(0, 20).Select(i => Api.LogVisit(Visit(dana, agency, DaysAgo(1), mrn: $"MRN-C{i}")))
            .Append(Api.LogVisit(Visit(dana, agency, DaysAgo(1), mrn: "MRN-SAME")))
            .Append(Api.LogVisit(Visit(dana, agency, DaysAgo(1), mrn: "MRN-SAME")))
            .Append(Api.LogVisit(Visit(stranger, agency, DaysAgo(1), mrn: "MRN-X")))
            .ToList();

        var replies = await Task.WhenAll(requests);

        replies[..20].ShouldAllBe(r => r.Status == 201);
        var same = replies[20..22];
        same.Count(r => r.Status == 201).ShouldBe(1);
        var duplicate = same.Single(r => r.Status == 409);
        duplicate.Json["existingVisitId"]!.GetValue<Guid>().ShouldBe(same.Single(r => r.Status == 201).Id);
        replies[22].ShouldBeProblem(422).Json["rule"]!.GetValue<string>().ShouldBe("contractor-assigned");
        (await Api.Get("/api/visits?pageSize=100")).Json["total"]!.GetValue<long>().ShouldBe(21);
    }
    [Fact]
    public async Task a_logged_visits_billable_document_is_written_with_it_as_the_projection_folds_it()
    {
        var (agency, dana) = await Placed();
        var commit = App.Host.Services.GetRequiredService<VisitGroupCommit>();
        var first = Draft(dana, agency, "MRN-W1");
        var second = Draft(dana, agency, "MRN-W2", daysAgo: 3);
        var refused = Draft(Guid.NewGuid(), agency, "MRN-W3");

        var outcomes = await Task.WhenAll(commit.CommitTogether(Api.Tenant, [first, second, refused]));

        outcomes[0].ShouldBeOfType<VisitOutcome.Created>();
        outcomes[1].ShouldBeOfType<VisitOutcome.Created>();
        outcomes[2].ShouldBeOfType<VisitOutcome.Refused>();
        // Written by the group commit as the projection folds the event, nothing for the refused one.
        await using var session = App.Store.QuerySession(Api.Tenant);
        foreach (var draft in new[] { first, second })
            Json(await session.LoadAsync<BillableVisit>(draft.Id)).ShouldBe(Json(BillableVisitProjection.Fold(null, draft.Logged)));
        (await session.LoadAsync<BillableVisit>(refused.Id)).ShouldBeNull();
        // The projection folding the events read back from the store gives the same documents.
        (await Replayed(nameof(BillableVisit))).Differences.Where(d => d.Tenant == Api.Tenant).ShouldBeEmpty();
    }

    [Fact]
    public async Task a_visit_logged_outside_the_group_commit_is_still_folded_by_the_projection()
    {
        var (agency, dana) = await Placed();
        var draft = Draft(dana, agency, "MRN-P1");
        await using (var session = App.Store.LightweightSession(Api.Tenant))
        {
            session.Events.StartStream<Visit>(draft.Id, draft.Logged);
            await session.SaveChangesAsync();
        }

        await using var query = App.Store.QuerySession(Api.Tenant);
        Json(await query.LoadAsync<BillableVisit>(draft.Id)).ShouldBe(Json(BillableVisitProjection.Fold(null, draft.Logged)));
    }

    [Fact]
    public async Task the_group_commits_statement_writes_the_rows_marten_writes_for_a_new_visit_stream()
    {
        // The group commit writes a batch's streams, events and documents with one statement of its own (VisitRows); the
        // rows must be those Marten and its inline projections write when the same event starts a stream in a session, so
        // that everything reading them (Marten's loads and queries, the daemon, the audit chain, a replay) cannot tell.
        var (agency, dana) = await Placed();
        var commit = App.Host.Services.GetRequiredService<VisitGroupCommit>();
        var ours = Draft(dana, agency, "MRN-S1", user: "office-9");
        (await Task.WhenAll(commit.CommitTogether(Api.Tenant, [ours]))).ShouldAllBe(o => o is VisitOutcome.Created);
        var marten = Draft(dana, agency, "MRN-S1", user: "office-9");
        var martenLogged = marten.Logged with { Patient = ours.Logged.Patient, VisitDate = ours.Logged.VisitDate, HoldsKey = false };
        await using (var session = App.Store.LightweightSession(Api.Tenant))
        {
            var e = session.Events.BuildEvent(martenLogged);
            e.UserName = "office-9";
            e.CorrelationId = "trace-office-9";
            e.SetHeader(AuditStamp.RoleHeader, Roles.Billing);
            session.Events.StartStream<Visit>(martenLogged.VisitId, e);
            await session.SaveChangesAsync(); // the inline projections write the visit's and its billable document
        }

        await using var conn = App.Store.Storage.Database.CreateConnection();
        await conn.OpenAsync();
        async Task<string> Row(string sql, Guid id, string? key = null)
        {
            await using var cmd = new Npgsql.NpgsqlCommand(sql, conn);
            cmd.Parameters.AddWithValue(id);
            cmd.Parameters.AddWithValue(Api.Tenant);
            if (key is not null) cmd.Parameters.AddWithValue(key);
            await using var reader = await cmd.ExecuteReaderAsync();
            (await reader.ReadAsync()).ShouldBeTrue($"no row: {sql}");
            return string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => $"{reader.GetName(i)}={reader.GetValue(i)}"))
                .Replace(id.ToString(), "{id}");
        }
        // Whole rows, each less what differs by design: ids, sequence numbers and times, and the key ours holds (Marten's
        // twin, logged second with the same key, cannot hold it). A column added to a table is compared too.
        foreach (var sql in new[]
        {
            "select to_jsonb(t) - array['id', 'timestamp', 'created'] from contracttherapy.mt_streams t where id = $1 and tenant_id = $2",
            "select to_jsonb(t) - array['seq_id', 'id', 'timestamp'] || jsonb_build_object('data', t.data - 'holdsKey') from contracttherapy.mt_events t " +
            "where stream_id = $1 and tenant_id = $2",
            "select to_jsonb(t) - array['mt_last_modified', 'held_key'] || jsonb_build_object('data', t.data - 'holdsKey') from contracttherapy.mt_doc_visit t " +
            "where id = $1 and tenant_id = $2",
            "select to_jsonb(t) - 'mt_last_modified' from contracttherapy.mt_doc_billablevisit t where id = $1 and tenant_id = $2",
        })
            (await Row(sql, ours.Id)).ShouldBe(await Row(sql, marten.Id));

        (await Row("select held_key = md5($3)::uuid as held from contracttherapy.mt_doc_visit where id = $1 and tenant_id = $2", ours.Id, ours.DuplicateKey))
            .ShouldBe("held=True");

        // What Marten reads back of ours: the event with its metadata and sequence, the stream, the document as the projection makes it.
        await using var query = App.Store.QuerySession(Api.Tenant);
        var logged = (await query.Events.FetchStreamAsync(ours.Id)).ShouldHaveSingleItem();
        (logged.Sequence, logged.Version, logged.UserName, logged.CorrelationId, logged.GetHeader(AuditStamp.RoleHeader)?.ToString())
            .ShouldBe((logged.Sequence, 1L, "office-9", "trace-office-9", Roles.Billing));
        logged.Sequence.ShouldBeGreaterThan(0);
        (await query.Events.FetchStreamStateAsync(ours.Id))!.AggregateType.ShouldBe(typeof(Visit));
        var stored = await query.LoadAsync<Visit>(ours.Id);
        System.Text.Json.JsonSerializer.Serialize(stored).ShouldBe(System.Text.Json.JsonSerializer.Serialize(await query.Events.AggregateStreamAsync<Visit>(ours.Id)));
    }

    [Fact]
    public async Task a_stream_id_taken_after_the_guard_ran_fails_the_write_before_its_events_draw_sequence_numbers()
    {
        // Another transaction holds the visit's stream id, uncommitted: the guard cannot see it, the rows' statement waits on
        // its lock and fails once it commits. The streams are inserted before the events draw their numbers, so the failed
        // write spends none (a spent number is a gap the daemon waits out), as Marten's append spends none on a taken id.
        var (agency, dana) = await Placed();
        var commit = App.Host.Services.GetRequiredService<VisitGroupCommit>();
        var visit = Draft(dana, agency, "MRN-G1");
        await using var conn = App.Store.Storage.Database.CreateConnection();
        await conn.OpenAsync();
        async Task<long> LastNumber()
        {
            await using var cmd = new Npgsql.NpgsqlCommand("select last_value from contracttherapy.mt_events_sequence", conn);
            return (long)(await cmd.ExecuteScalarAsync())!;
        }
        var before = await LastNumber();
        await using (var other = App.Store.Storage.Database.CreateConnection())
        {
            await other.OpenAsync();
            await using var tx = await other.BeginTransactionAsync();
            await using (var insert = new Npgsql.NpgsqlCommand("insert into contracttherapy.mt_streams (tenant_id, id, type, version) values ($1, $2, 'other', 1)", other, tx))
            {
                insert.Parameters.AddWithValue(Api.Tenant);
                insert.Parameters.AddWithValue(visit.Id);
                await insert.ExecuteNonQueryAsync();
            }
            var outcome = commit.CommitTogether(Api.Tenant, [visit])[0];
            await Task.Delay(500); // the write is waiting on the stream's row
            outcome.IsCompleted.ShouldBeFalse();
            await tx.CommitAsync();
            await Should.ThrowAsync<JasperFx.ConcurrencyException>(() => outcome);
        }
        (await LastNumber()).ShouldBe(before);
    }

    private static string Json(BillableVisit? v) => System.Text.Json.JsonSerializer.Serialize(v);
}

using ContractTherapy.Shared.Audit;
using ContractTherapy.Shared.Persistence;
using ContractTherapy.Shared.Domain;
using ContractTherapy.Tests.Infrastructure;
using ContractTherapy.Visits.Visits;
using Marten;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Visits;

public sealed class ChangingVisitTests(AppFixture app) : IntegrationTest(app)
{
    private async Task<(Guid Agency, Guid Dana, Guid Visit)> LoggedVisit(bool noteSigned = true)
    {
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        var visit = (await Api.LogVisit(Visit(dana, agency, DaysAgo(5), noteSigned: noteSigned))).ShouldBe(201).Id;
        return (agency, dana, visit);
    }

    [Fact]
    public async Task a_contractor_signs_the_note_later_and_signing_again_changes_nothing()
    {
        var (_, dana, visit) = await LoggedVisit(noteSigned: false);
        (await Api.Get($"/api/visits/{visit}")).Json["noteSigned"]!.GetValue<bool>().ShouldBeFalse();

        var signed = (await Api.Post($"/api/visits/{visit}/sign-note", null, role: "contractor", contractorId: dana)).ShouldBe(200).Json;
        signed["noteSigned"]!.GetValue<bool>().ShouldBeTrue();
        signed["version"]!.GetValue<long>().ShouldBe(2);
        (await Api.Post($"/api/visits/{visit}/sign-note", null, role: "contractor", contractorId: dana)).ShouldBe(200)
            .Json["version"]!.GetValue<long>().ShouldBe(2);
        (await Api.Get($"/api/visits/{visit}")).Json["noteSigned"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task a_correction_changes_the_visit_and_records_why()
    {
        var (agency, dana, visit) = await LoggedVisit();
        var corrected = (await Api.Put($"/api/visits/{visit}", new
        {
            visitType = "Evaluation",
            visitDate = DaysAgo(6),
            patient = new { name = "Janet Doe", mrn = "MRN-1001" },
            miles = 8.5m,
            reason = "Was the evaluation, logged as routine",
        }, role: "contractor", contractorId: dana)).ShouldBe(200).Json;
        corrected["visitType"]!.GetValue<string>().ShouldBe("Evaluation");
        corrected["visitDate"]!.GetValue<string>().ShouldBe(DaysAgo(6));
        corrected["patient"]!["name"]!.GetValue<string>().ShouldBe("Janet Doe");
        corrected["version"]!.GetValue<long>().ShouldBe(2);

        var read = (await Api.Get($"/api/visits/{visit}")).Json;
        read["visitType"]!.GetValue<string>().ShouldBe("Evaluation");
        read["miles"]!.GetValue<decimal>().ShouldBe(8.5m);
        read["agencyId"]!.GetValue<string>().ShouldBe(agency.ToString());

        await using var session = App.Store.QuerySession(Api.Tenant);
        var last = (await session.Events.FetchStreamAsync(visit)).Last();
        last.EventTypeName.ShouldBe("visit_corrected");
        last.GetHeader("reason")!.ToString().ShouldBe("Was the evaluation, logged as routine");
        last.GetHeader("role")!.ToString().ShouldBe("contractor");
    }

    [Fact]
    public async Task a_correction_needs_a_reason_and_a_change()
    {
        var (_, _, visit) = await LoggedVisit();
        (await Api.Put($"/api/visits/{visit}", new { visitType = "Evaluation" })).ShouldBeProblem(400, "reason");
        (await Api.Put($"/api/visits/{visit}", new { visitType = "Routine", reason = "no-op" })).ShouldBeProblem(400, "body");
        (await Api.Get($"/api/visits/{visit}")).Json["version"]!.GetValue<long>().ShouldBe(1);
    }

    [Fact]
    public async Task a_correction_is_held_to_the_same_rules_as_logging()
    {
        var (_, _, visit) = await LoggedVisit();
        var elsewhere = await Api.RegisteredAgency("Elsewhere HH");
        (await Api.Put($"/api/visits/{visit}", new { agencyId = elsewhere, reason = "wrong agency" })).ShouldBeProblem(422)
            .Json["rule"]!.GetValue<string>().ShouldBe("contractor-assigned");
        (await Api.Put($"/api/visits/{visit}", new { discipline = "ST", reason = "wrong discipline" })).ShouldBeProblem(422);
        (await Api.Put($"/api/visits/{visit}", new { visitType = "Dancing", reason = "x" })).ShouldBeProblem(400, "visitType");
    }

    [Fact]
    public async Task a_correction_onto_an_existing_visit_is_a_probable_duplicate()
    {
        var (agency, dana, visit) = await LoggedVisit();
        var other = (await Api.LogVisit(Visit(dana, agency, DaysAgo(5), visitType: "Discharge"))).ShouldBe(201).Id;
        (await Api.Put($"/api/visits/{other}", new { visitType = "Routine", reason = "typo" })).ShouldBeProblem(409)
            .Json["existingVisitId"]!.GetValue<string>().ShouldBe(visit.ToString());
        (await Api.Put($"/api/visits/{other}", new { visitType = "Routine", reason = "two visits", allowDuplicate = true, duplicateReason = "Twice that day" }))
            .ShouldBe(200);
    }

    [Fact]
    public async Task a_correction_takes_its_new_key_and_lets_the_old_one_go()
    {
        var (agency, dana, visit) = await LoggedVisit();
        (await Api.Put($"/api/visits/{visit}", new { visitType = "Discharge", reason = "it was the discharge" })).ShouldBe(200);

        // The key it left is free: the routine visit of that day is logged without a question; the new one is held.
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(5)))).ShouldBe(201);
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(5), visitType: "Discharge"))).ShouldBeProblem(409)
            .Json["existingVisitId"]!.GetValue<string>().ShouldBe(visit.ToString());
    }

    [Fact]
    public async Task an_intended_duplicate_moved_onto_a_key_leaves_it_to_its_holder()
    {
        var (agency, dana, visit) = await LoggedVisit();
        var other = (await Api.LogVisit(Visit(dana, agency, DaysAgo(5), visitType: "Discharge"))).ShouldBe(201).Id;
        (await Api.Put($"/api/visits/{other}", new { visitType = "Routine", reason = "two visits", allowDuplicate = true, duplicateReason = "Twice that day" }))
            .ShouldBe(200);

        // The first visit still holds the key, and the key the second left is free.
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(5)))).ShouldBeProblem(409)
            .Json["existingVisitId"]!.GetValue<string>().ShouldBe(visit.ToString());
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(5), visitType: "Discharge"))).ShouldBe(201);
        // Once the holder is voided, the live visit that shares its key takes it over: the same visit again is its duplicate.
        (await Api.Post($"/api/visits/{visit}/void", new { reason = "logged twice" })).ShouldBe(200);
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(5)))).ShouldBeProblem(409)
            .Json["existingVisitId"]!.GetValue<string>().ShouldBe(other.ToString());
        await using var session = App.Store.QuerySession(Api.Tenant);
        var taken = (await session.Events.FetchStreamAsync(other)).Last();
        taken.Data.ShouldBe(new VisitKeyTakenOver(other, visit));
        taken.GetHeader("reason")!.ToString().ShouldBe("logged twice");
        // And when it goes too, nobody is left with the key: the visit is logged.
        (await Api.Post($"/api/visits/{other}/void", new { reason = "logged twice as well" })).ShouldBe(200);
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(5)))).ShouldBe(201);
        (await Replayed(nameof(Visit))).Differences.Where(d => d.Tenant == Api.Tenant).ShouldBeEmpty();
    }

    [Fact]
    public async Task a_holder_corrected_onto_another_key_leaves_its_key_to_the_visit_that_shares_it()
    {
        var (agency, dana, visit) = await LoggedVisit();
        var twice = (await Api.LogVisit(new
        {
            contractorId = dana, agencyId = agency, patient = new { name = "Jane Doe", mrn = "MRN-1001" }, visitDate = DaysAgo(5),
            discipline = "PT", visitType = "Routine", allowDuplicate = true, duplicateReason = "Twice that day", noteSigned = true,
        })).ShouldBe(201).Id;

        (await Api.Put($"/api/visits/{visit}", new { visitType = "Evaluation", reason = "it was the evaluation" })).ShouldBe(200);

        (await Api.LogVisit(Visit(dana, agency, DaysAgo(5)))).ShouldBeProblem(409)
            .Json["existingVisitId"]!.GetValue<string>().ShouldBe(twice.ToString());
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(5), visitType: "Evaluation"))).ShouldBeProblem(409)
            .Json["existingVisitId"]!.GetValue<string>().ShouldBe(visit.ToString());
        (await Replayed(nameof(Visit))).Differences.Where(d => d.Tenant == Api.Tenant).ShouldBeEmpty();
    }

    /// <summary>
    /// A discharge visit of the patient, then, at the same moment, its correction to a routine visit and a routine visit of
    /// the same patient logged: two writes racing for one duplicate key.
    /// </summary>
    private async Task<(Guid Moving, Reply Corrected, Reply Logged)> CorrectionRacingALoggedVisit(Guid contractor, Guid agency, string mrn,
        object correction)
    {
        var moving = (await Api.LogVisit(Visit(contractor, agency, DaysAgo(5), mrn: mrn, visitType: "Discharge"))).ShouldBe(201).Id;
        var replies = await Task.WhenAll(Api.Put($"/api/visits/{moving}", correction), Api.LogVisit(Visit(contractor, agency, DaysAgo(5), mrn: mrn)));
        return (moving, replies[0], replies[1]);
    }

    [Fact]
    public async Task a_correction_racing_a_logged_visit_for_one_key_is_answered_with_the_visit_that_won()
    {
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        for (var i = 0; i < 12; i++)
        {
            // Both read the routine visit's key free; the database lets one of them take it.
            var (moving, corrected, logged) = await CorrectionRacingALoggedVisit(dana, agency, $"MRN-RACE-{i}",
                new { visitType = "Routine", reason = "it was the routine visit" });
            if (corrected.Status == 200)
            {
                logged.ShouldBeProblem(409).Json["existingVisitId"]!.GetValue<string>().ShouldBe(moving.ToString());
                continue;
            }
            // The loser is told which visit holds the key, so it can say the two are intended.
            var won = logged.ShouldBe(201).Id;
            corrected.ShouldBeProblem(409).Json["existingVisitId"]!.GetValue<string>().ShouldBe(won.ToString());
            (await Api.Get($"/api/visits/{moving}")).Json["visitType"]!.GetValue<string>().ShouldBe("Discharge");
        }
    }

    [Fact]
    public async Task an_intended_correction_racing_a_logged_visit_for_one_key_is_saved_as_the_duplicate_it_said_it_was()
    {
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        for (var i = 0; i < 12; i++)
        {
            var (moving, corrected, logged) = await CorrectionRacingALoggedVisit(dana, agency, $"MRN-RACE-INTENDED-{i}", new
            {
                visitType = "Routine", reason = "it was the routine visit", allowDuplicate = true, duplicateReason = "seen twice that day",
            });
            // Whoever took the key first, the correction said a duplicate was intended: it is saved either way.
            var view = corrected.ShouldBe(200).Json;
            view["visitType"]!.GetValue<string>().ShouldBe("Routine");
            if (logged.Status == 201)
            {
                view["duplicateReason"]!.GetValue<string>().ShouldBe("seen twice that day");
                await using var query = App.Store.QuerySession(Api.Tenant);
                (await query.LoadAsync<Visit>(logged.Id)).ShouldNotBeNull().HoldsKey.ShouldBeTrue();
                (await query.LoadAsync<Visit>(moving)).ShouldNotBeNull().HoldsKey.ShouldBeFalse();
                var events = await query.Events.FetchStreamAsync(moving);
                events.Count.ShouldBe(2); // logged, corrected once: the lost attempt wrote nothing
                events[1].Headers!["reason"].ShouldBe("it was the routine visit");
            }
            else
            {
                logged.ShouldBeProblem(409).Json["existingVisitId"]!.GetValue<string>().ShouldBe(moving.ToString());
            }
        }
    }

    [Fact]
    public async Task two_visits_never_hold_one_key_even_past_the_endpoints_checks()
    {
        var (agency, dana, visit) = await LoggedVisit();
        var other = (await Api.LogVisit(Visit(dana, agency, DaysAgo(5), visitType: "Discharge"))).ShouldBe(201).Id;

        // What a correction racing a logged visit would write: the other visit taking the key the first holds.
        await using var session = App.Store.LightweightSession(Api.Tenant);
        var read = (await session.LoadAsync<Visit>(other)).ShouldNotBeNull();
        session.Events.Append(other, new VisitCorrected(other, read.AgencyId, read.Patient, read.VisitDate,
            read.Discipline, VisitType.Routine, read.Miles, read.Notes, "race", null, HoldsKey: true));
        var refused = await Should.ThrowAsync<Exception>(() => session.SaveChangesAsync());

        // The API answers such a race 409, and nothing of it was written.
        UniqueKeys.Taken(refused).ShouldBeTrue();
        await using var query = App.Store.QuerySession(Api.Tenant);
        (await query.Events.FetchStreamAsync(other)).Count.ShouldBe(1);
        (await query.Query<Visit>().Where(v => v.HeldKey != null && v.ContractorId == dana)
            .Select(v => v.Id).ToListAsync()).OrderBy(x => x).ShouldBe(new[] { visit, other }.OrderBy(x => x));
    }

    [Fact]
    public async Task only_a_declared_unique_index_or_an_id_taken_meanwhile_counts_as_a_race()
    {
        // Through Marten, as the endpoints meet them: it wraps every unique violation of a document's insert or upsert in
        // DocumentAlreadyExistsException, whichever index it was. A unique index nobody declared (here on the access log's
        // documents, this tenant's only) is not a race the product expects: an error to see, not a 409.
        var index = $"test_uidx_{Guid.NewGuid():N}"[..30];
        await Sql($"create unique index {index} on contracttherapy.mt_doc_phiaccess ((data ->> 'endpoint')) where tenant_id = '{Api.Tenant}'");
        try
        {
            PhiAccess Access(Guid id) => new(id, DateTimeOffset.UtcNow, "u", "owner", "GET /same", "tin", []);
            async Task<Exception> Save(Action<IDocumentSession> write)
            {
                await using var session = App.Store.LightweightSession(Api.Tenant);
                write(session);
                return await Should.ThrowAsync<Exception>(() => session.SaveChangesAsync());
            }
            var first = Guid.NewGuid();
            await using (var session = App.Store.LightweightSession(Api.Tenant))
            {
                session.Insert(Access(first));
                await session.SaveChangesAsync();
            }
            UniqueKeys.Taken(await Save(s => s.Insert(Access(Guid.NewGuid())))).ShouldBeFalse();
            UniqueKeys.Taken(await Save(s => s.Store(Access(Guid.NewGuid())))).ShouldBeFalse();
            // The same document's id taken meanwhile is a race (its primary key, as Weasel names it).
            UniqueKeys.Taken(await Save(s => s.Insert(Access(first) with { Endpoint = "GET /other" }))).ShouldBeTrue();
            UniqueKeys.Declare(index);
            UniqueKeys.Taken(await Save(s => s.Insert(Access(Guid.NewGuid())))).ShouldBeTrue();
            // A primary key that is no document's (named as Weasel names the event sequence's): no race either.
            var key = $"pkey_test_{Guid.NewGuid():N}"[..30];
            await using var connection = new Npgsql.NpgsqlConnection(App.ConnectionString);
            await connection.OpenAsync();
            await using var twice = new Npgsql.NpgsqlCommand(
                $"create temp table t_seq (seq_id int constraint {key} primary key); insert into t_seq values (1); insert into t_seq values (1)", connection);
            UniqueKeys.Taken(await Should.ThrowAsync<Npgsql.PostgresException>(() => twice.ExecuteNonQueryAsync())).ShouldBeFalse();
        }
        finally
        {
            await Sql($"drop index contracttherapy.{index}");
        }
    }

    [Fact]
    public async Task a_stale_correction_is_a_409_and_loses_nothing()
    {
        var (_, _, visit) = await LoggedVisit();
        (await Api.Put($"/api/visits/{visit}", new { miles = 3m, reason = "odometer", expectedVersion = 1 })).ShouldBe(200);
        var stale = (await Api.Put($"/api/visits/{visit}", new { visitType = "Discharge", reason = "late edit", expectedVersion = 1 })).ShouldBeProblem(409);
        stale.Json["currentVersion"]!.GetValue<long>().ShouldBe(2);

        var read = (await Api.Get($"/api/visits/{visit}")).Json;
        read["miles"]!.GetValue<decimal>().ShouldBe(3m);
        read["visitType"]!.GetValue<string>().ShouldBe("Routine");
    }

    [Fact]
    public async Task concurrent_corrections_of_one_visit_never_lose_an_update()
    {
        var (_, _, visit) = await LoggedVisit();
        var replies = await Task.WhenAll(
            Api.Put($"/api/visits/{visit}", new { miles = 4m, reason = "office", expectedVersion = 1 }),
            Api.Put($"/api/visits/{visit}", new { visitType = "Discharge", reason = "phone", expectedVersion = 1 }),
            Api.Put($"/api/visits/{visit}", new { notes = "Follow-up", reason = "tablet", expectedVersion = 1 }));
        replies.Count(r => r.Status == 200).ShouldBe(1);
        replies.Count(r => r.Status == 409).ShouldBe(2);

        await using var session = App.Store.QuerySession(Api.Tenant);
        (await session.Events.FetchStreamAsync(visit)).Count.ShouldBe(2);
        (await Api.Get($"/api/visits/{visit}")).Json["version"]!.GetValue<long>().ShouldBe(2);
    }

    [Fact]
    public async Task voiding_needs_a_reason_happens_once_and_ends_changes()
    {
        var (_, dana, visit) = await LoggedVisit();
        (await Api.Post($"/api/visits/{visit}/void", new { })).ShouldBeProblem(400, "reason");
        var voided = (await Api.Post($"/api/visits/{visit}/void", new { reason = "Patient cancelled" }, role: "contractor", contractorId: dana))
            .ShouldBe(200).Json;
        voided["status"]!.GetValue<string>().ShouldBe("voided");

        (await Api.Post($"/api/visits/{visit}/void", new { reason = "again" })).ShouldBeProblem(409);
        (await Api.Put($"/api/visits/{visit}", new { miles = 1m, reason = "x" })).ShouldBeProblem(409);
        (await Api.Post($"/api/visits/{visit}/sign-note")).ShouldBeProblem(409);

        await using var session = App.Store.QuerySession(Api.Tenant);
        (await session.Events.FetchStreamAsync(visit)).Last().GetHeader("reason")!.ToString().ShouldBe("Patient cancelled");
    }

    [Fact]
    public async Task a_contractor_cannot_touch_another_contractors_visit()
    {
        var (agency, _, visit) = await LoggedVisit();
        var sam = await Api.PlacedContractor(agency, "Sam Ortiz");
        (await Api.Get($"/api/visits/{visit}", role: "contractor", contractorId: sam)).ShouldBeProblem(404);
        (await Api.Post($"/api/visits/{visit}/sign-note", null, role: "contractor", contractorId: sam)).ShouldBeProblem(404);
        (await Api.Put($"/api/visits/{visit}", new { miles = 1m, reason = "x" }, role: "contractor", contractorId: sam)).ShouldBeProblem(404);
        (await Api.Post($"/api/visits/{visit}/void", new { reason = "x" }, role: "contractor", contractorId: sam)).ShouldBeProblem(404);
    }

    [Fact]
    public async Task another_tenant_cannot_see_or_change_the_visit()
    {
        var (_, _, visit) = await LoggedVisit();
        var other = OtherTenant();
        (await other.Get($"/api/visits/{visit}")).ShouldBeProblem(404);
        (await other.Post($"/api/visits/{visit}/void", new { reason = "x" })).ShouldBeProblem(404);
        (await other.Put($"/api/visits/{visit}", new { miles = 1m, reason = "x" })).ShouldBeProblem(404);
        (await Api.Get($"/api/visits/{visit}")).Json["status"]!.GetValue<string>().ShouldBe("open");
    }
}

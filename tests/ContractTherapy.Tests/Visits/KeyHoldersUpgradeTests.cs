using ContractTherapy.Host.Infrastructure;
using ContractTherapy.Shared.Http;
using ContractTherapy.Tests.Infrastructure;
using ContractTherapy.Visits.Visits;
using JasperFx;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Weasel.Core;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Visits;

/// <summary>
/// A database from before 2026-12-07, when a document of its own held each duplicate key (<see cref="KeyHoldersFromFingerprints"/>):
/// the key documents are written by Marten itself from the class of then, and the visits' events and documents are put
/// back as that code wrote them (no <c>holdsKey</c>).
/// </summary>
public sealed class KeyHoldersUpgradeTests(AppFixture app) : IntegrationTest(app)
{
    private async Task<(Guid Agency, Guid Dana)> Placed()
    {
        var agency = await Api.RegisteredAgency();
        return (agency, await Api.PlacedContractor(agency));
    }

    private object Intended(Guid dana, Guid agency, string mrn, int daysAgo) => new
    {
        contractorId = dana, agencyId = agency, patient = new { name = "Jane Doe", mrn }, visitDate = DaysAgo(daysAgo),
        discipline = "PT", visitType = "Routine", allowDuplicate = true, duplicateReason = "Twice that day", noteSigned = true,
    };

    private async Task<string> Key(Guid visit)
    {
        await using var session = App.Store.QuerySession(Api.Tenant);
        return (await session.LoadAsync<Visit>(visit)).ShouldNotBeNull().DuplicateKey;
    }

    private async Task Sql(string sql, params object[] values)
    {
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var v in values) command.Parameters.Add(new NpgsqlParameter { Value = v });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The key documents of then, for the visits that held a key, and the visits as that code wrote them.</summary>
    private async Task AsBefore(Dictionary<Guid, string> holders, params Guid[] visits)
    {
        using var legacy = DocumentStore.For(opts =>
        {
            opts.Connection(App.ConnectionString);
            opts.DatabaseSchemaName = PersistenceSetup.Schema;
            opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
            opts.Policies.AllDocumentsAreMultiTenanted();
            opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
            opts.Schema.For<Before20261207.VisitFingerprint>().Index(f => f.VisitId);
        });
        // The table of then, even where no key document is left in it.
        await legacy.Storage.Database.EnsureStorageExistsAsync(typeof(Before20261207.VisitFingerprint));
        await using (var session = legacy.LightweightSession(Api.Tenant))
        {
            foreach (var (visit, key) in holders) session.Insert(new Before20261207.VisitFingerprint { Id = key, VisitId = visit });
            await session.SaveChangesAsync();
        }
        await Sql("update contracttherapy.mt_doc_visit set data = data - 'holdsKey', held_key = null where tenant_id = $1 and id = any($2)", Api.Tenant, visits);
        await Sql("update contracttherapy.mt_events set data = data - 'holdsKey' where tenant_id = $1 and stream_id = any($2)", Api.Tenant, visits);
    }

    [Fact]
    public async Task the_upgrade_fills_each_holder_from_the_key_documents_and_a_replay_folds_the_same_documents()
    {
        var (agency, dana) = await Placed();
        // An intended duplicate logged while its key was free: it took the key, which its event does not say.
        var first = (await Api.LogVisit(Intended(dana, agency, "MRN-1", 5))).ShouldBe(201).Id;
        // A holds a key; B, corrected onto it as an intended duplicate, let its own go and took none.
        var a = (await Api.LogVisit(Visit(dana, agency, DaysAgo(6), mrn: "MRN-2"))).ShouldBe(201).Id;
        var b = (await Api.LogVisit(Visit(dana, agency, DaysAgo(6), mrn: "MRN-2", visitType: "Discharge"))).ShouldBe(201).Id;
        (await Api.Put($"/api/visits/{b}", new { visitType = "Routine", reason = "two visits", allowDuplicate = true, duplicateReason = "Twice that day" }))
            .ShouldBe(200);
        // C, an intended duplicate of A, corrected onto a free key: it took that one.
        var c = (await Api.LogVisit(Intended(dana, agency, "MRN-2", 6))).ShouldBe(201).Id;
        (await Api.Put($"/api/visits/{c}", new { visitType = "Evaluation", reason = "it was the evaluation" })).ShouldBe(200);
        var holders = new Dictionary<Guid, string> { [first] = await Key(first), [a] = await Key(a), [c] = await Key(c) };
        await AsBefore(holders, first, a, b, c);

        (await KeyHoldersFromFingerprints.MigrateAsync(App.Store, default)).ShouldBe(4);

        await using (var session = App.Store.QuerySession(Api.Tenant))
        {
            foreach (var (visit, key) in holders) (await session.LoadAsync<Visit>(visit)).ShouldNotBeNull().HeldKey.ShouldBe(VisitFingerprint.IdOf(key));
            (await session.LoadAsync<Visit>(b)).ShouldNotBeNull().HoldsKey.ShouldBeFalse();
            // What the events could not say is recorded on the visit's stream, by the upgrade and why.
            var carried = (await session.Events.FetchStreamAsync(first)).Last();
            carried.Data.ShouldBe(new VisitKeyHolderCarriedOver(first, true));
            (carried.UserName, carried.GetHeader(AuditStamp.ReasonHeader)?.ToString()).ShouldBe((KeyHoldersFromFingerprints.Upgrader,
                "Upgrade of 2026-12-07: the visit took its duplicate key when it was logged, which its events did not record."));
            (await session.Events.FetchStreamAsync(c)).Count.ShouldBe(2);
        }
        // A replay folds the documents the upgrade made, so a rebuild would not put two holders on one key.
        (await Replayed(nameof(Visit))).Differences.Where(d => d.Tenant == Api.Tenant).ShouldBeEmpty();
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(5), mrn: "MRN-1"))).ShouldBeProblem(409)
            .Json["existingVisitId"]!.GetValue<string>().ShouldBe(first.ToString());
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(6), mrn: "MRN-2"))).ShouldBeProblem(409)
            .Json["existingVisitId"]!.GetValue<string>().ShouldBe(a.ToString());
        // Once: the key documents' table is gone.
        (await KeyHoldersFromFingerprints.MigrateAsync(App.Store, default)).ShouldBe(0);
    }

    [Fact]
    public async Task a_key_an_old_void_left_to_nobody_goes_to_the_live_visit_that_shares_it()
    {
        var (agency, dana) = await Placed();
        var a = (await Api.LogVisit(Visit(dana, agency, DaysAgo(5), mrn: "MRN-V"))).ShouldBe(201).Id;
        var b = (await Api.LogVisit(Intended(dana, agency, "MRN-V", 5))).ShouldBe(201).Id;
        var c = (await Api.LogVisit(Intended(dana, agency, "MRN-V", 5))).ShouldBe(201).Id;
        // A voided as the old code did: its key document deleted, the key passed to nobody.
        await using (var session = App.Store.LightweightSession(Api.Tenant))
        {
            (await session.Events.FetchForWriting<Visit>(a)).AppendOne(new VisitVoided(a, "entered twice"));
            await session.SaveChangesAsync();
        }
        await AsBefore(new Dictionary<Guid, string>(), a, b, c);

        await KeyHoldersFromFingerprints.MigrateAsync(App.Store, default);

        await using (var session = App.Store.QuerySession(Api.Tenant))
        {
            var (first, second) = b.CompareTo(c) < 0 ? (b, c) : (c, b);
            (await session.LoadAsync<Visit>(first)).ShouldNotBeNull().HoldsKey.ShouldBeTrue();
            (await session.LoadAsync<Visit>(second)).ShouldNotBeNull().HoldsKey.ShouldBeFalse();
            var carried = (await session.Events.FetchStreamAsync(first)).Last();
            carried.Data.ShouldBe(new VisitKeyHolderCarriedOver(first, true));
            carried.UserName.ShouldBe(KeyHoldersFromFingerprints.Upgrader);
            carried.GetHeader(AuditStamp.ReasonHeader)!.ToString()!.ShouldContain("left to nobody");
            (await Replayed(nameof(Visit))).Differences.Where(d => d.Tenant == Api.Tenant).ShouldBeEmpty();
            // A fourth identical visit is again a probable duplicate of a live one.
            (await Api.LogVisit(Visit(dana, agency, DaysAgo(5), mrn: "MRN-V"))).ShouldBeProblem(409)
                .Json["existingVisitId"]!.GetValue<string>().ShouldBe(first.ToString());
        }
    }

    [Fact]
    public async Task two_nodes_upgrading_at_once_fill_the_holders_once()
    {
        var (agency, dana) = await Placed();
        var a = (await Api.LogVisit(Visit(dana, agency, DaysAgo(5), mrn: "M-A"))).ShouldBe(201).Id;
        var b = (await Api.LogVisit(Visit(dana, agency, DaysAgo(5), mrn: "M-B"))).ShouldBe(201).Id;
        await AsBefore(new() { [a] = await Key(a), [b] = await Key(b) }, a, b);

        var filled = await Task.WhenAll(Task.Run(() => KeyHoldersFromFingerprints.MigrateAsync(App.Store, default)),
            Task.Run(() => KeyHoldersFromFingerprints.MigrateAsync(App.Store, default)));

        filled.OrderBy(n => n).ShouldBe([0, 2]);
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(5), mrn: "M-A"))).ShouldBeProblem(409).Json["existingVisitId"]!.GetValue<string>().ShouldBe(a.ToString());
        (await Api.LogVisit(Visit(dana, agency, DaysAgo(5), mrn: "M-B"))).ShouldBeProblem(409).Json["existingVisitId"]!.GetValue<string>().ShouldBe(b.ToString());
    }

    [Fact]
    public void the_upgrade_runs_before_wolverine_handles_a_message()
    {
        // A recovered message appending to a visit of then would write its document back without a holder first.
        var started = App.Host.Services.GetServices<IHostedService>().Select(s => s.GetType()).ToList();
        var upgrade = started.IndexOf(typeof(KeyHoldersFromFingerprintsAtStart));
        upgrade.ShouldBeGreaterThanOrEqualTo(0);
        started.FindIndex(t => t.FullName == "Wolverine.Runtime.WolverineRuntime").ShouldBeGreaterThan(upgrade);
    }
}

using System.Text;
using ContractTherapy.Audit;
using ContractTherapy.Invoicing.Cycles;
using ContractTherapy.Invoicing.Invoices;
using ContractTherapy.Payroll.PayRuns;
using ContractTherapy.Shared.Domain;
using ContractTherapy.Tests.Infrastructure;
using ContractTherapy.Visits.Visits;

namespace ContractTherapy.Tests.Audit;

/// <summary>
/// The audit chain links each event to its data as the store's serializer wrote it when it was appended, and checks it
/// later from the event read back into today's types (<see cref="EventShapes"/>). Events stored in a shape their type
/// has since changed must come out exactly as they were stored, or every close, invoice and pay stub stored before
/// 2026-12-07 would break the chain and show in the audit without the rates it recorded.
/// </summary>
public sealed class EventShapesTests(AppFixture app) : IntegrationTest(app)
{
    private static readonly SealedPatient Patient = new("enc:v1:dev:bmFtZQ==", "enc:v1:dev:bXJu", "enc:v1:dev:aW5pdA==", "ZnA=");

    /// <summary>A visit line and the reversal of an earlier one, with the nulls, scales and negatives of real closes.</summary>
    private static IReadOnlyList<ClosedLine> WholeLines() =>
    [
        new(Guid.NewGuid(), LineKind.Visit, false, Guid.NewGuid(), "Sunrise HH", Guid.NewGuid(), "Dana Kim", new DateOnly(2026, 11, 2),
            Discipline.PT, VisitType.Routine, Patient, 120m, 120m, Guid.NewGuid(), 80m, 80m, Guid.NewGuid(), true, 4.5m, 0.67m, 3.02m, null),
        new(Guid.NewGuid(), LineKind.Adjustment, true, Guid.NewGuid(), "Sunrise HH", Guid.NewGuid(), "Lee Park", new DateOnly(2026, 10, 30),
            Discipline.OT, VisitType.Evaluation, Patient, 150.00m, -150.00m, null, 110m, -110m, null, false, 0m, 0.655m, -0.00m, "Visit voided"),
    ];

    private T Read<T>(string json) => App.Store.Options.Serializer().FromJson<T>(new MemoryStream(Encoding.UTF8.GetBytes(json)));

    /// <summary>The JSON as PostgreSQL stores it and gives it back (keys reordered, numbers as numeric): what the chain's
    /// subscription read when it linked the event, and what the check reads.</summary>
    private async Task<string> Stored(string json)
    {
        await using var session = App.Store.QuerySession(Api.Tenant);
        return (await session.QueryAsync<string>("select CAST(? as jsonb)::text", json)).Single();
    }

    [Fact]
    public async Task a_close_stored_with_whole_lines_is_hashed_and_shown_as_it_was_stored()
    {
        var serializer = App.Store.Options.Serializer();
        var stored = serializer.ToJson(new EventShapes.CycleClosedWithWholeLines(Guid.NewGuid(), new DateOnly(2026, 11, 2),
            new DateOnly(2026, 11, 8), new DateOnly(2026, 11, 9), DateTimeOffset.Parse("2026-11-09T14:03:07.1234567+00:00"), WholeLines(),
            [new IssuedInvoiceRef(Guid.NewGuid(), "INV-2026-000001", Guid.NewGuid())], [new IssuedPayStubRef(Guid.NewGuid(), Guid.NewGuid())],
            Guid.NewGuid()));
        var fromStore = await Stored(stored);
        // What the chain hashed when it linked the event, before 2026-12-07: the event read back into the type of the day.
        var linked = serializer.ToJson(Read<EventShapes.CycleClosedWithWholeLines>(fromStore));
        var read = Read<CycleClosed>(fromStore);

        serializer.ToJson(read).ShouldNotBe(linked); // today's type alone drops the lines' rates, names and patient
        EventShapes.Json(read, serializer).ShouldBe(linked);
        linked.ShouldBe(stored);
    }

    [Fact]
    public async Task an_invoice_stored_with_whole_lines_is_hashed_and_shown_as_it_was_stored()
    {
        var serializer = App.Store.Options.Serializer();
        var stored = serializer.ToJson(new EventShapes.InvoiceIssuedWithWholeLines(Guid.NewGuid(), "INV-2026-000001", Guid.NewGuid(), "Sunrise HH",
            Guid.NewGuid(), new DateOnly(2026, 11, 2), new DateOnly(2026, 11, 8), new DateOnly(2026, 11, 9), new DateOnly(2026, 12, 9), WholeLines()));
        var fromStore = await Stored(stored);
        var linked = serializer.ToJson(Read<EventShapes.InvoiceIssuedWithWholeLines>(fromStore));
        var read = Read<InvoiceIssued>(fromStore);

        serializer.ToJson(read).ShouldNotBe(linked);
        EventShapes.Json(read, serializer).ShouldBe(linked);
        linked.ShouldBe(stored);
    }

    [Fact]
    public void events_of_todays_shapes_and_fields_added_since_serialize_as_stored()
    {
        var serializer = App.Store.Options.Serializer();
        // A close and a pay stub of today's shapes: as the serializer writes them.
        var closed = new CycleClosed(Guid.NewGuid(), new DateOnly(2026, 11, 2), new DateOnly(2026, 11, 8), new DateOnly(2026, 11, 9),
            DateTimeOffset.UnixEpoch, WholeLines().Select(CycleLine.Of).ToList(), [], [new IssuedPayStubRef(Guid.NewGuid(), Guid.NewGuid(), 1)],
            Guid.NewGuid(), Guid.NewGuid());
        var json = serializer.ToJson(closed);
        EventShapes.Json(Read<CycleClosed>(json), serializer).ShouldBe(json);
        json.ShouldNotContain("contractorName");

        // Stored before the fields were added: a close without a pay run, a stub ref without a version, a pay stub line
        // without isReversal. None of them is written when empty, so those events serialize as they were stored.
        var before = serializer.ToJson(closed with { PayRunId = null, PayStubs = [new IssuedPayStubRef(Guid.NewGuid(), Guid.NewGuid())] });
        before.ShouldNotContain("payRunId");
        before.ShouldNotContain("version");
        var line = new PayStubLine(Guid.NewGuid(), "adjustment", new DateOnly(2026, 11, 2), Guid.NewGuid(), "Sunrise HH", "enc:v1:dev:aW5pdA==",
            Discipline.PT, VisitType.Routine, 80m, -80m, 0m, 0.67m, 0m, "Visit voided");
        serializer.ToJson(line).ShouldNotContain("isReversal");
        serializer.ToJson(line with { IsReversal = true }).ShouldContain("\"isReversal\":true");
    }
}

using ContractTherapy.Shared.Domain;
using ContractTherapy.Visits.Visits;
using JasperFx.Events;

namespace ContractTherapy.Tests.Units;

public class VisitFingerprintTests
{
    private static readonly Guid ContractorId = Guid.NewGuid();
    private static readonly Guid AgencyId = Guid.NewGuid();
    private static readonly DateOnly Date = new(2025, 3, 10);
    private const string Mrn = "fingerprint-abc";

    private static string Key(Guid? contractorId = null, string? mrn = null, Guid? agencyId = null, DateOnly? date = null,
        Discipline discipline = Discipline.PT, VisitType visitType = VisitType.Routine) =>
        VisitFingerprint.KeyFor(contractorId ?? ContractorId, mrn ?? Mrn, agencyId ?? AgencyId, date ?? Date, discipline, visitType);

    [Fact]
    public void equal_inputs_give_equal_keys()
    {
        var first = VisitFingerprint.KeyFor(new Guid(ContractorId.ToString()), new string(Mrn.ToCharArray()), new Guid(AgencyId.ToString()),
            new DateOnly(2025, 3, 10), Discipline.PT, VisitType.Routine);

        first.ShouldBe(Key());
    }

    [Fact]
    public void a_different_contractor_gives_a_different_key() => Key(contractorId: Guid.NewGuid()).ShouldNotBe(Key());

    [Fact]
    public void a_different_mrn_fingerprint_gives_a_different_key() => Key(mrn: "fingerprint-xyz").ShouldNotBe(Key());

    [Fact]
    public void a_different_agency_gives_a_different_key() => Key(agencyId: Guid.NewGuid()).ShouldNotBe(Key());

    [Fact]
    public void a_different_date_gives_a_different_key() => Key(date: Date.AddDays(1)).ShouldNotBe(Key());

    [Fact]
    public void a_different_discipline_gives_a_different_key() => Key(discipline: Discipline.OT).ShouldNotBe(Key());

    [Fact]
    public void a_different_visit_type_gives_a_different_key() => Key(visitType: VisitType.Evaluation).ShouldNotBe(Key());

    [Fact]
    public void swapping_the_contractor_and_agency_ids_gives_a_different_key() =>
        Key(contractorId: AgencyId, agencyId: ContractorId).ShouldNotBe(Key());

    [Fact]
    public void every_discipline_and_visit_type_combination_gives_a_distinct_key()
    {
        var keys = (from d in Enum.GetValues<Discipline>()
                    from t in Enum.GetValues<VisitType>()
                    select Key(discipline: d, visitType: t)).ToList();

        keys.Distinct().Count().ShouldBe(keys.Count);
    }

    [Fact]
    public void a_visits_duplicate_key_is_the_key_for_its_fields()
    {
        var visit = new Visit(Guid.NewGuid(), 3, ContractorId, AgencyId,
            new SealedPatient("enc:name", "enc:mrn", "enc:initials", Mrn), Date, Discipline.OT, VisitType.Evaluation,
            12.5m, "notes", true, VisitStatus.Open, null, null, true);

        visit.DuplicateKey.ShouldBe(VisitFingerprint.KeyFor(ContractorId, Mrn, AgencyId, Date, Discipline.OT, VisitType.Evaluation));
    }

    [Fact]
    public void a_visits_duplicate_key_ignores_fields_outside_the_key()
    {
        var patient = new SealedPatient("enc:name", "enc:mrn", "enc:initials", Mrn);
        var visit = new Visit(Guid.NewGuid(), 1, ContractorId, AgencyId, patient, Date, Discipline.PT, VisitType.Routine,
            null, null, false, VisitStatus.Open, null, null, true);
        var other = visit with
        {
            Id = Guid.NewGuid(), Version = 7, Patient = patient with { Name = "enc:other", Mrn = "enc:other", Initials = "enc:other" },
            Miles = 40m, Notes = "x", NoteSigned = true, Status = VisitStatus.Voided, CycleId = Guid.NewGuid(), DuplicateReason = "dup",
        };

        other.DuplicateKey.ShouldBe(visit.DuplicateKey);
    }

    [Fact]
    public void a_visits_duplicate_key_follows_a_change_to_its_fields()
    {
        var visit = new Visit(Guid.NewGuid(), 1, ContractorId, AgencyId, new SealedPatient("n", "m", "i", Mrn), Date, Discipline.PT,
            VisitType.Routine, null, null, false, VisitStatus.Open, null, null, true);

        (visit with { VisitDate = Date.AddDays(-1) }).DuplicateKey.ShouldNotBe(visit.DuplicateKey);
        (visit with { Patient = visit.Patient with { MrnFingerprint = "other" } }).DuplicateKey.ShouldNotBe(visit.DuplicateKey);
    }

    private static IEvent<T> At<T>(T data, long version) where T : notnull => new Event<T>(data) { Version = version };

    private static VisitLogged Logged(string? duplicateReason, bool? holdsKey) => new(Guid.NewGuid(), ContractorId, AgencyId,
        new SealedPatient("n", "m", "i", Mrn), Date, Discipline.PT, VisitType.Routine, null, null, false, duplicateReason, holdsKey);

    private static VisitCorrected Corrected(Visit v, DateOnly date, bool? holdsKey, string? duplicateReason = null) => new(v.Id, v.AgencyId,
        v.Patient, date, v.Discipline, v.VisitType, v.Miles, v.Notes, "wrong date", duplicateReason, holdsKey);

    [Fact]
    public void a_visit_holds_its_key_as_its_events_say_and_lets_it_go_when_voided()
    {
        var visit = Visit.Create(At(Logged(null, holdsKey: true), 1));
        visit.HeldKey.ShouldBe(VisitFingerprint.IdOf(visit.DuplicateKey));

        // A correction that keeps the key keeps holding it; one that moves it holds the new key or none, as its event says.
        var kept = visit.Apply(At(Corrected(visit, Date, holdsKey: null) with { Notes = "n2" }, 2));
        kept.HeldKey.ShouldBe(VisitFingerprint.IdOf(visit.DuplicateKey));
        var moved = kept.Apply(At(Corrected(kept, Date.AddDays(-1), holdsKey: true), 3));
        moved.HeldKey.ShouldBe(VisitFingerprint.IdOf(moved.DuplicateKey));
        moved.HeldKey.ShouldNotBe(VisitFingerprint.IdOf(visit.DuplicateKey));
        var ontoTaken = kept.Apply(At(Corrected(kept, Date.AddDays(-2), holdsKey: false, duplicateReason: "two visits"), 3));
        ontoTaken.HeldKey.ShouldBeNull();

        visit.Apply(At(new VisitVoided(visit.Id, "logged twice"), 2)).HeldKey.ShouldBeNull();
    }

    [Fact]
    public void an_intended_duplicate_holds_the_key_only_where_its_event_says_it_took_it()
    {
        Visit.Create(At(Logged("two visits", holdsKey: false), 1)).HeldKey.ShouldBeNull();
        // The first visit of its key, logged with a reason: nobody held the key, so it took it.
        Visit.Create(At(Logged("two visits", holdsKey: true), 1)).HoldsKey.ShouldBeTrue();
    }

    [Fact]
    public void a_visit_logged_before_its_event_said_holds_its_key_unless_it_was_an_intended_duplicate()
    {
        Visit.Create(At(Logged(null, holdsKey: null), 1)).HoldsKey.ShouldBeTrue();
        Visit.Create(At(Logged("two visits", holdsKey: null), 1)).HoldsKey.ShouldBeFalse();
    }
}

using ContractTherapy.Shared.Domain;
using ContractTherapy.Visits.Eligibility;
using ContractTherapy.Visits.Visits;

namespace ContractTherapy.Tests.Units;

public class VisitRulesTests
{
    private static readonly DateOnly Today = new(2025, 6, 15);
    private static readonly Guid ContractorId = Guid.NewGuid();
    private static readonly Guid AgencyId = Guid.NewGuid();

    private static ContractorEligibility Eligible(bool active = true, IReadOnlyList<Discipline>? disciplines = null,
        IReadOnlyList<Guid>? agencies = null) =>
        new(ContractorId, active, disciplines ?? [Discipline.PT, Discipline.OT], agencies ?? [AgencyId]);

    private static Refusal? Check(ContractorEligibility? contractor, Guid? agencyId = null, Discipline discipline = Discipline.PT,
        DateOnly? visitDate = null) =>
        VisitRules.Check(contractor, ContractorId, agencyId ?? AgencyId, discipline, visitDate ?? Today, Today);

    [Fact]
    public void a_valid_visit_is_accepted()
    {
        Check(Eligible()).ShouldBeNull();
    }

    [Fact]
    public void an_unknown_contractor_is_refused_as_contractor_known()
    {
        var refusal = Check(null);

        refusal.ShouldNotBeNull();
        refusal.Rule.ShouldBe("contractor-known");
        refusal.Detail.ShouldContain(ContractorId.ToString());
    }

    [Fact]
    public void an_inactive_contractor_is_refused_as_contractor_active()
    {
        var refusal = Check(Eligible(active: false));

        refusal.ShouldNotBeNull();
        refusal.Rule.ShouldBe("contractor-active");
    }

    [Fact]
    public void a_contractor_not_assigned_to_the_agency_is_refused_as_contractor_assigned()
    {
        var other = Guid.NewGuid();

        var refusal = Check(Eligible(), agencyId: other);

        refusal.ShouldNotBeNull();
        refusal.Rule.ShouldBe("contractor-assigned");
        refusal.Detail.ShouldContain(other.ToString());
    }

    [Fact]
    public void a_contractor_with_no_agencies_is_refused_as_contractor_assigned()
    {
        Check(Eligible(agencies: []))!.Rule.ShouldBe("contractor-assigned");
    }

    [Fact]
    public void a_contractor_without_the_discipline_is_refused_as_contractor_discipline()
    {
        var refusal = Check(Eligible(disciplines: [Discipline.PT]), discipline: Discipline.ST);

        refusal.ShouldNotBeNull();
        refusal.Rule.ShouldBe("contractor-discipline");
        refusal.Detail.ShouldContain("ST");
    }

    [Fact]
    public void a_future_visit_date_is_refused_as_visit_date_not_in_future()
    {
        Check(Eligible(), visitDate: Today.AddDays(1))!.Rule.ShouldBe("visit-date-not-in-future");
    }

    [Fact]
    public void a_visit_more_than_365_days_back_is_refused_as_visit_date_within_365_days()
    {
        Check(Eligible(), visitDate: Today.AddDays(-366))!.Rule.ShouldBe("visit-date-within-365-days");
    }

    [Fact]
    public void a_visit_dated_today_is_accepted()
    {
        Check(Eligible(), visitDate: Today).ShouldBeNull();
    }

    [Fact]
    public void a_visit_dated_exactly_365_days_back_is_accepted()
    {
        Check(Eligible(), visitDate: Today.AddDays(-365)).ShouldBeNull();
    }

    [Fact]
    public void a_visit_dated_yesterday_is_accepted()
    {
        Check(Eligible(), visitDate: Today.AddDays(-1)).ShouldBeNull();
    }

    [Fact]
    public void the_day_limit_is_365()
    {
        VisitRules.MaxDaysBack.ShouldBe(365);
    }

    [Fact]
    public void an_inactive_contractor_with_a_future_date_reports_contractor_active()
    {
        Check(Eligible(active: false), visitDate: Today.AddDays(1))!.Rule.ShouldBe("contractor-active");
    }

    [Fact]
    public void an_inactive_unassigned_contractor_without_the_discipline_reports_contractor_active()
    {
        var contractor = Eligible(active: false, disciplines: [Discipline.PT], agencies: []);

        Check(contractor, discipline: Discipline.ST, visitDate: Today.AddDays(-400))!.Rule.ShouldBe("contractor-active");
    }

    [Fact]
    public void an_unknown_contractor_reports_contractor_known_even_when_the_date_is_also_wrong()
    {
        Check(null, visitDate: Today.AddDays(1))!.Rule.ShouldBe("contractor-known");
    }

    [Fact]
    public void an_unassigned_contractor_without_the_discipline_reports_contractor_assigned()
    {
        var contractor = Eligible(disciplines: [Discipline.PT], agencies: []);

        Check(contractor, discipline: Discipline.ST)!.Rule.ShouldBe("contractor-assigned");
    }

    [Fact]
    public void an_unassigned_contractor_with_a_future_date_reports_contractor_assigned()
    {
        Check(Eligible(agencies: []), visitDate: Today.AddDays(1))!.Rule.ShouldBe("contractor-assigned");
    }

    [Fact]
    public void a_missing_discipline_with_a_future_date_reports_contractor_discipline()
    {
        Check(Eligible(disciplines: [Discipline.PT]), discipline: Discipline.OT, visitDate: Today.AddDays(1))!
            .Rule.ShouldBe("contractor-discipline");
    }

    [Fact]
    public void a_missing_discipline_with_a_too_old_date_reports_contractor_discipline()
    {
        Check(Eligible(disciplines: [Discipline.PT]), discipline: Discipline.OT, visitDate: Today.AddDays(-366))!
            .Rule.ShouldBe("contractor-discipline");
    }

    [Theory]
    [InlineData(Discipline.PT)]
    [InlineData(Discipline.PTA)]
    [InlineData(Discipline.OT)]
    [InlineData(Discipline.COTA)]
    [InlineData(Discipline.ST)]
    public void any_discipline_the_contractor_holds_is_accepted(Discipline discipline)
    {
        var contractor = Eligible(disciplines: Enum.GetValues<Discipline>());

        Check(contractor, discipline: discipline).ShouldBeNull();
    }

    [Fact]
    public void a_contractor_assigned_to_several_agencies_may_log_for_any_of_them()
    {
        var second = Guid.NewGuid();
        var contractor = Eligible(agencies: [Guid.NewGuid(), AgencyId, second]);

        Check(contractor, agencyId: AgencyId).ShouldBeNull();
        Check(contractor, agencyId: second).ShouldBeNull();
    }
}

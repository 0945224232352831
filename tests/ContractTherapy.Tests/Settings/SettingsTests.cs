using ContractTherapy.Tests.Infrastructure;

namespace ContractTherapy.Tests.Settings;

public sealed class SettingsTests(AppFixture app) : IntegrationTest(app)
{
    [Fact]
    public async Task a_new_tenant_has_the_default_settings_and_they_stay_put()
    {
        var first = (await Api.Get("/api/settings")).ShouldBe(200).Json;
        first["billingCycle"]!["frequency"]!.GetValue<string>().ShouldBe("biweekly");
        first["requireSignedNote"]!.GetValue<bool>().ShouldBeTrue();
        first["timeZone"]!.GetValue<string>().ShouldBe("America/New_York");
        var start = DateOnly.Parse(first["billingCycle"]!["firstCycleStartsOn"]!.GetValue<string>());
        start.DayOfWeek.ShouldBe(DayOfWeek.Monday);
        var today = TestClock.TodayIn("America/New_York");
        (today.DayNumber - start.DayNumber).ShouldBeInRange(0, 6);

        // The defaults were recorded, not recomputed: the second read is the same event's state.
        (await Api.Get("/api/settings")).Body.ShouldBe((await Api.Get("/api/settings")).Body);
        await using var session = App.Store.QuerySession(Api.Tenant);
        var events = await Marten.QueryableExtensions.CountAsync(session.Events.QueryAllRawEvents(), default);
        events.ShouldBe(1);
    }

    [Fact]
    public async Task the_owner_changes_the_settings()
    {
        var body = new { billingCycle = new { frequency = "semimonthly", firstCycleStartsOn = "2026-03-16" }, requireSignedNote = false, timeZone = "America/Chicago" };
        (await Api.Put("/api/settings", body)).ShouldBe(200);
        var read = (await Api.Get("/api/settings", role: "billing")).Json;
        read["billingCycle"]!["frequency"]!.GetValue<string>().ShouldBe("semimonthly");
        read["billingCycle"]!["firstCycleStartsOn"]!.GetValue<string>().ShouldBe("2026-03-16");
        read["requireSignedNote"]!.GetValue<bool>().ShouldBeFalse();
        read["timeZone"]!.GetValue<string>().ShouldBe("America/Chicago");
    }

    [Theory]
    [InlineData("""{"billingCycle":{"frequency":"daily","firstCycleStartsOn":"2026-03-02"},"requireSignedNote":true,"timeZone":"America/New_York"}""", "billingCycle.frequency")]
    [InlineData("""{"billingCycle":{"frequency":"weekly,monthly","firstCycleStartsOn":"2026-03-02"},"requireSignedNote":true,"timeZone":"America/New_York"}""", "billingCycle.frequency")]
    [InlineData("""{"billingCycle":{"frequency":"weekly"},"requireSignedNote":true,"timeZone":"America/New_York"}""", "billingCycle.firstCycleStartsOn")]
    [InlineData("""{"billingCycle":{"frequency":"monthly","firstCycleStartsOn":"2026-03-02"},"requireSignedNote":true,"timeZone":"America/New_York"}""", "billingCycle.firstCycleStartsOn")]
    [InlineData("""{"billingCycle":{"frequency":"semimonthly","firstCycleStartsOn":"2026-03-02"},"requireSignedNote":true,"timeZone":"America/New_York"}""", "billingCycle.firstCycleStartsOn")]
    [InlineData("""{"billingCycle":{"frequency":"weekly","firstCycleStartsOn":"2026-03-02"},"requireSignedNote":true,"timeZone":"Mars/Olympus"}""", "timeZone")]
    [InlineData("""{"billingCycle":{"frequency":"weekly","firstCycleStartsOn":"2026-03-02"},"timeZone":"America/New_York"}""", "requireSignedNote")]
    [InlineData("""{"requireSignedNote":true,"timeZone":"America/New_York"}""", "billingCycle")]
    public async Task invalid_settings_are_400s_and_change_nothing(string body, string field)
    {
        var before = (await Api.Get("/api/settings")).Body;
        (await Api.Put("/api/settings", body)).ShouldBeProblem(400, field);
        (await Api.Get("/api/settings")).Body.ShouldBe(before);
    }

    [Theory]
    [InlineData("billing")]
    [InlineData("payroll")]
    [InlineData("compliance")]
    public async Task only_the_owner_changes_settings(string role)
    {
        var body = new { billingCycle = new { frequency = "weekly", firstCycleStartsOn = "2026-03-02" }, requireSignedNote = true, timeZone = "America/New_York" };
        (await Api.Put("/api/settings", body, role: role)).ShouldBeProblem(403);
    }

    [Fact]
    public async Task contractors_do_not_read_tenant_settings()
    {
        (await Api.Get("/api/settings", role: "contractor", contractorId: Guid.NewGuid())).ShouldBeProblem(403);
    }
}

using ContractTherapy.Shared.Tenancy;
using Marten;

namespace ContractTherapy.Invoicing.Cycles;

public static class OpenCycles
{
    /// <summary>
    /// The tenant's settings; the defaults are recorded the first time anyone needs them, so the
    /// first cycle's dates never drift.
    /// </summary>
    public static async Task<TenantSettings> SettingsRecordingDefaults(this IDocumentSession session, string tenant, TimeProvider clock, CancellationToken ct)
    {
        var id = TenantSettings.IdFor(tenant);
        var stream = await session.Events.FetchForWriting<TenantSettings>(id, ct);
        if (stream.Aggregate is { } settings) return settings;
        var defaults = TenantSettings.Defaults(clock.GetUtcNow());
        stream.AppendOne(defaults);
        return new TenantSettings(id, defaults.BillingCycle, defaults.RequireSignedNote, defaults.TimeZone);
    }

    /// <summary>
    /// The tenant's one open cycle. A tenant without cycles gets its first one, from the settings'
    /// first start date and frequency; its id is derived from the tenant and start date, so two
    /// first requests at once collide instead of opening two cycles.
    /// </summary>
    public static async Task<BillingCycle> CurrentCycle(this IDocumentSession session, string tenant, TimeProvider clock, CancellationToken ct)
    {
        var open = await session.Query<BillingCycle>().Where(c => c.Status == CycleStatus.Open).FirstOrDefaultAsync(ct);
        if (open is not null) return open;

        var settings = await session.SettingsRecordingDefaults(tenant, clock, ct);
        var (start, end) = CycleCalendar.PeriodFrom(settings.BillingCycle.FirstCycleStartsOn, settings.BillingCycle.Frequency);
        var opened = new CycleOpened(BillingCycle.IdFor(tenant, start), start, end, settings.BillingCycle.Frequency, 1);
        session.Events.StartStream<BillingCycle>(opened.CycleId, opened);
        return BillingCycle.Create(opened);
    }
}

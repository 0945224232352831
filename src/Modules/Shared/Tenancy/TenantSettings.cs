using ContractTherapy.Shared.Persistence;
using JasperFx.Events;

namespace ContractTherapy.Shared.Tenancy;

/// <summary>One settings stream per tenant; its id is derived from the tenant id.</summary>
public sealed record TenantSettings(Guid Id, BillingCycleSettings BillingCycle, bool RequireSignedNote, string TimeZone, Payer? Payer = null)
{
    public const string DefaultTimeZone = "America/New_York";

    public static Guid IdFor(string tenantId) => StreamIds.For("tenant-settings", tenantId);

    public static TenantSettings Create(IEvent<TenantSettingsChanged> e) =>
        new(e.StreamId, e.Data.BillingCycle, e.Data.RequireSignedNote, e.Data.TimeZone, e.Data.Payer);

    public TenantSettings Apply(TenantSettingsChanged e) =>
        this with { BillingCycle = e.BillingCycle, RequireSignedNote = e.RequireSignedNote, TimeZone = e.TimeZone, Payer = e.Payer };

    /// <summary>
    /// api.md: a tenant starts with bi-weekly cycles from the Monday of the current week (in its
    /// time zone), signed notes required, America/New_York.
    /// </summary>
    public static TenantSettings FromDefaults(Guid id, DateTimeOffset now)
    {
        var d = Defaults(now);
        return new TenantSettings(id, d.BillingCycle, d.RequireSignedNote, d.TimeZone);
    }

    public static TenantSettingsChanged Defaults(DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(DefaultTimeZone)).DateTime);
        var monday = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
        return new TenantSettingsChanged(new BillingCycleSettings(CycleFrequency.Biweekly, monday), true, DefaultTimeZone);
    }
}


public static class TenantClock
{
    /// <summary>Today's date in the tenant's time zone: "not in the future" and "paid on" are the tenant's dates.</summary>
    public static DateOnly TodayIn(this TimeProvider clock, string timeZone)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), zone).DateTime);
    }

    /// <summary>The tenant's settings, or the defaults when it has never recorded any.</summary>
    public static async Task<TenantSettings> SettingsFor(this Marten.IQuerySession session, string tenantId, TimeProvider clock, CancellationToken ct)
    {
        var id = TenantSettings.IdFor(tenantId);
        return await session.LoadAsync<TenantSettings>(id, ct) ?? TenantSettings.FromDefaults(id, clock.GetUtcNow());
    }
}

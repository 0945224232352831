using ContractTherapy.Shared.Persistence;
using JasperFx.Events;

namespace ContractTherapy.Invoicing.Settings;

/// <summary>One settings stream per tenant; its id is derived from the tenant id.</summary>
public sealed record TenantSettings(Guid Id, BillingCycleSettings BillingCycle, bool RequireSignedNote, string TimeZone)
{
    public const string DefaultTimeZone = "America/New_York";

    public static Guid IdFor(string tenantId) => StreamIds.For("tenant-settings", tenantId);

    public static TenantSettings Create(IEvent<TenantSettingsChanged> e) =>
        new(e.StreamId, e.Data.BillingCycle, e.Data.RequireSignedNote, e.Data.TimeZone);

    public TenantSettings Apply(TenantSettingsChanged e) =>
        this with { BillingCycle = e.BillingCycle, RequireSignedNote = e.RequireSignedNote, TimeZone = e.TimeZone };

    /// <summary>
    /// api.md: a tenant starts with bi-weekly cycles from the Monday of the current week (in its
    /// time zone), signed notes required, America/New_York.
    /// </summary>
    public static TenantSettingsChanged Defaults(DateTimeOffset now)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(DefaultTimeZone);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        var monday = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
        return new TenantSettingsChanged(new BillingCycleSettings(CycleFrequency.Biweekly, monday), true, DefaultTimeZone);
    }
}


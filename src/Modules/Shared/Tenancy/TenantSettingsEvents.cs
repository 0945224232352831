namespace ContractTherapy.Shared.Tenancy;

public enum CycleFrequency { Weekly, Biweekly, Semimonthly, Monthly }

public sealed record BillingCycleSettings(CycleFrequency Frequency, DateOnly FirstCycleStartsOn);

/// <summary>
/// The tenant's settings were recorded: by the tenant's first look at them (the defaults) or by
/// the owner. Each event carries the whole settings, so any past state is one event.
/// </summary>
public sealed record TenantSettingsChanged(BillingCycleSettings BillingCycle, bool RequireSignedNote, string TimeZone);

namespace ContractTherapy.Shared.Tenancy;

public enum CycleFrequency { Weekly, Biweekly, Semimonthly, Monthly }

public sealed record BillingCycleSettings(CycleFrequency Frequency, DateOnly FirstCycleStartsOn);

/// <summary>
/// The tenant's settings were recorded: by the tenant's first look at them (the defaults) or by
/// the owner. Each event carries the whole settings, so any past state is one event.
/// </summary>
public sealed record TenantSettingsChanged(BillingCycleSettings BillingCycle, bool RequireSignedNote, string TimeZone, Payer? Payer = null);

/// <summary>The tenant as payer on 1099-NECs (and biller on invoices). The EIN is stored encrypted.</summary>
public sealed record Payer(string Name, string TinType, string EncryptedTin, string TinLast4, Http.Address Address, string? Phone, string? Email);

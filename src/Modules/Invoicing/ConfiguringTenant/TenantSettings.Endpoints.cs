using ContractTherapy.Shared.Tenancy;
using ContractTherapy.Invoicing.Cycles;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Invoicing.ConfiguringTenant;

public sealed record BillingCycleInput([property: OneOf(typeof(CycleFrequency), CamelCase = true)] string? Frequency, DateOnly? FirstCycleStartsOn);

/// <summary>The payer's details for 1099-NEC filing: the tenant's legal name, EIN, address and contact.</summary>
public sealed record PayerInput(string? Name, string? Ein, Address? Address, string? Phone, string? Email);

public sealed record UpdateTenantSettings(BillingCycleInput? BillingCycle, bool? RequireSignedNote, string? TimeZone, PayerInput? Payer);

public sealed record BillingCycleView(string Frequency, DateOnly FirstCycleStartsOn);

public sealed record PayerView(string Name, string EinMasked, Address Address, string? Phone, string? Email);

public sealed record TenantSettingsView(BillingCycleView BillingCycle, bool RequireSignedNote, string TimeZone, PayerView? Payer)
{
    public static TenantSettingsView From(TenantSettingsChanged s) => new(
        new BillingCycleView(s.BillingCycle.Frequency.ToString().ToLowerInvariant(), s.BillingCycle.FirstCycleStartsOn),
        s.RequireSignedNote, s.TimeZone,
        s.Payer is { } p ? new PayerView(p.Name, $"**-***{p.TinLast4}", p.Address, p.Phone, p.Email) : null);
}

/// <summary>
/// A tenant needs no provisioning: the first time its settings are read or written, the
/// defaults are recorded as the stream's first event, so the first cycle's start date does not
/// drift from week to week before anyone saves settings.
/// </summary>
public static class ViewTenantSettingsEndpoint
{
    [WolverineGet("/api/settings"), Authorize(Policy = Policies.StaffRead), Tags("Settings")]
    [ProducesResponseType<TenantSettingsView>(StatusCodes.Status200OK)]
    public static async Task<TenantSettingsView> Get(HttpContext http, IDocumentSession session, TimeProvider clock, CancellationToken ct)
    {
        var s = await session.SettingsRecordingDefaults(Caller.From(http.User).TenantId, clock, ct);
        return TenantSettingsView.From(new TenantSettingsChanged(s.BillingCycle, s.RequireSignedNote, s.TimeZone, s.Payer));
    }
}

/// <summary>The owner replaces the settings as a whole; each change is an audited event.</summary>
public static class UpdateTenantSettingsEndpoint
{
    public static ProblemDetails Validate(UpdateTenantSettings cmd)
    {
        var v = new Validation();
        var cycle = cmd.BillingCycle;
        if (cycle is null) v.Add("billingCycle", "'billingCycle' is required.");
        else
        {
            var frequency = ParseFrequency(cycle.Frequency);
            v.OneOf("billingCycle.frequency", cycle.Frequency, Choices.For<BillingCycleInput>(nameof(BillingCycleInput.Frequency)));
            if (cycle.FirstCycleStartsOn is not { } start)
                v.Add("billingCycle.firstCycleStartsOn", "'billingCycle.firstCycleStartsOn' is required (YYYY-MM-DD).");
            else if (frequency == CycleFrequency.Semimonthly && start.Day is not (1 or 16))
                v.Add("billingCycle.firstCycleStartsOn", "Semi-monthly cycles run 1st-15th and 16th-end of month: start on the 1st or the 16th.");
            else if (frequency == CycleFrequency.Monthly && start.Day != 1)
                v.Add("billingCycle.firstCycleStartsOn", "Monthly cycles start on the 1st of a month.");
        }
        if (cmd.RequireSignedNote is null) v.Add("requireSignedNote", "'requireSignedNote' is required.");
        if (string.IsNullOrWhiteSpace(cmd.TimeZone) || !TimeZoneInfo.TryFindSystemTimeZoneById(cmd.TimeZone, out _))
            v.Add("timeZone", "'timeZone' must be an IANA time zone such as America/New_York.");
        if (cmd.Payer is { } payer)
        {
            v.Text("payer.name", payer.Name, 200).Address("payer.address", payer.Address, required: true)
                .MaxLength("payer.phone", payer.Phone, 30);
            if (Tin.Normalize(payer.Ein) is null) v.Add("payer.ein", "'payer.ein' must be 9 digits (12-3456789).");
            if (payer.Email is not null) v.Email("payer.email", payer.Email);
        }
        return v.Result();
    }

    [WolverinePut("/api/settings"), Authorize(Policy = Policies.TenantOwner), Tags("Settings")]
    [ProducesResponseType<TenantSettingsView>(StatusCodes.Status200OK)]
    public static async Task<TenantSettingsView> Put(UpdateTenantSettings cmd, HttpContext http, IDocumentSession session, FieldCipher cipher,
        CancellationToken ct)
    {
        var tenant = Caller.From(http.User).TenantId;
        var id = TenantSettings.IdFor(tenant);
        var stream = await session.Events.FetchForWriting<TenantSettings>(id, ct);
        var changed = new TenantSettingsChanged(
            new BillingCycleSettings(ParseFrequency(cmd.BillingCycle!.Frequency)!.Value, cmd.BillingCycle.FirstCycleStartsOn!.Value),
            cmd.RequireSignedNote!.Value, cmd.TimeZone!,
            cmd.Payer is { } p ? SealPayer(p, tenant, cipher) : stream.Aggregate?.Payer);
        stream.AppendOne(changed);
        return TenantSettingsView.From(changed);
    }

    private static CycleFrequency? ParseFrequency(string? value) => Choice.TryParse<CycleFrequency>(value, out var f) ? f : null;

    private static Payer SealPayer(PayerInput p, string tenant, FieldCipher cipher)
    {
        var ein = Tin.Normalize(p.Ein)!;
        return new Payer(p.Name!.Trim(), "EIN", cipher.Encrypt(tenant, ein), ein[^4..], p.Address!, p.Phone?.Trim(), p.Email?.Trim());
    }
}

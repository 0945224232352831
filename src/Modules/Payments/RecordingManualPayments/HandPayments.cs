using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using ContractTherapy.Shared.Tenancy;
using Marten;
using Microsoft.AspNetCore.Http;

namespace ContractTherapy.Payments.RecordingManualPayments;

/// <summary>How money paid outside the product went (the API spells them in lower case: <c>check</c>, <c>ach</c>...).</summary>
public enum HandPaymentMethod { Check, Ach, Card, Paypal, Other }

/// <summary>What a payment made by hand states, whether recorded on its own or on the held or failed payment it settles.</summary>
public static class HandPayments
{
    public static Validation HandPayment(this Validation v, DateOnly? paidOn, string? method, string? reference, Choice methods)
    {
        if (paidOn is null) v.Add("paidOn", "'paidOn' is required (YYYY-MM-DD).");
        v.OneOf("method", method, methods);
        return v.Text("reference", reference, 100);
    }

    /// <summary>The 400 for a payment dated after the tenant's today (its 1099 year is the date's), or null.</summary>
    public static async Task<IResult?> PaidOnInTheFuture(DateOnly paidOn, HttpContext http, IQuerySession session, TimeProvider clock, CancellationToken ct)
    {
        var today = clock.TodayIn((await session.SettingsFor(Caller.From(http.User).TenantId, clock, ct)).TimeZone);
        return paidOn > today ? Problems.Invalid("paidOn", "'paidOn' may not be in the future.") : null;
    }
}

using ContractTherapy.Contractors.Contractors;
using ContractTherapy.Shared.Http;
using Marten.Events.Aggregation;

namespace ContractTherapy.Payments.Payees;

/// <summary>What paying a contractor and reporting their 1099 needs, from the Contractors module's events.</summary>
public sealed record ContractorPayee(Guid Id, string LegalName, bool Active, W9OnFile? W9, string? StripeAccountId)
{
    /// <summary>Why a Stripe payment to this contractor must wait, or null when it may go.</summary>
    public string? HoldReason(bool stripeConfigured) =>
        !Active ? HoldReasons.Deactivated
        : W9 is null ? HoldReasons.NoW9
        : StripeAccountId is null ? HoldReasons.NoPayoutAccount
        : !stripeConfigured ? HoldReasons.StripeNotConfigured
        : null;

    /// <summary>Why a Stripe payment to <paramref name="payee"/> must wait (also when the contractor is unknown), or null when it may go.</summary>
    public static string? HoldReasonFor(ContractorPayee? payee, bool stripeConfigured) =>
        payee is null ? HoldReasons.UnknownContractor : payee.HoldReason(stripeConfigured);
}

/// <summary>
/// Why a payment is held, as <c>PaymentHeld</c> records it for the office, and what the contractor reads instead: what
/// they can do themselves is said to them; the office's own reasons (its Stripe configuration) are not theirs to read.
/// </summary>
public static class HoldReasons
{
    public const string UnknownContractor = "The contractor is unknown.";
    public const string Deactivated = "The contractor is deactivated.";
    public const string NoW9 = "No W-9 is on file for the contractor.";
    public const string NoPayoutAccount = "The contractor has no linked payout account.";
    public const string StripeNotConfigured = "Stripe is not configured (Stripe:ApiKey); record the payment by hand or configure Stripe and retry.";

    /// <summary>What the contractor reads for a payment the office has to arrange (held for the office's reasons, or failed).</summary>
    public const string OfficeArranging = "The office is arranging this payment.";

    public static string ForTheContractor(string reason) => reason switch
    {
        NoW9 => "Waiting for your W-9: send it to the office.",
        NoPayoutAccount => "Waiting for your payout account to be linked: ask the office.",
        _ => OfficeArranging,
    };
}

public sealed partial class ContractorPayeeProjection : SingleStreamProjection<ContractorPayee, Guid>
{
    public static ContractorPayee Create(ContractorOnboarded e) => new(e.ContractorId, e.LegalName, true, null, null);

    public static ContractorPayee Apply(W9Received e, ContractorPayee p) => p with
    {
        W9 = new W9OnFile(e.TinType, e.EncryptedTin, e.TinLast4, e.LegalName, e.BusinessName, e.TaxClassification, e.Address, e.CertifiedOn),
    };

    public static ContractorPayee Apply(PayoutAccountLinked e, ContractorPayee p) => p with { StripeAccountId = e.StripeAccountId };

    public static ContractorPayee Apply(ContractorDeactivated _, ContractorPayee p) => p with { Active = false };
}

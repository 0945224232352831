using ContractTherapy.Contractors.Contractors;
using ContractTherapy.Shared.Http;
using Marten.Events.Aggregation;

namespace ContractTherapy.Payments.Payees;

/// <summary>What paying a contractor and reporting their 1099 needs, from the Contractors module's events.</summary>
public sealed record ContractorPayee(Guid Id, string LegalName, bool Active, W9OnFile? W9, string? StripeAccountId)
{
    /// <summary>Why a Stripe payment to this contractor must wait, or null when it may go.</summary>
    public string? HoldReason(bool stripeConfigured) =>
        !Active ? "The contractor is deactivated."
        : W9 is null ? "No W-9 is on file for the contractor."
        : StripeAccountId is null ? "The contractor has no linked payout account."
        : !stripeConfigured ? "Stripe is not configured (Stripe:ApiKey); record the payment by hand or configure Stripe and retry."
        : null;
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

namespace ContractTherapy.Payments.Payments;

/// <summary>A Stripe payment was approved and recorded; it is sent (or held) from here.</summary>
public sealed record PaymentRequested(Guid PaymentId, Guid ContractorId, Guid? PayStubId, Guid? CycleId, decimal Amount, string Method);

public sealed record PaymentHeld(Guid PaymentId, string Reason);

/// <summary>Someone asked for a held or failed payment to be attempted again.</summary>
public sealed record PaymentRetryRequested(Guid PaymentId);

/// <summary>The money left: <c>PaidOn</c> is the tenant's date, the 1099 year.</summary>
public sealed record PaymentSent(Guid PaymentId, Guid ContractorId, decimal Amount, DateOnly PaidOn, string Method, string? StripeTransferId);

/// <summary>
/// Sends keep ending without a definite answer from Stripe (network, timeout, 429, 5xx); they go
/// on with the same idempotency key. Recorded once, so the office sees why the payment is still requested.
/// </summary>
public sealed record PaymentSendDelayed(Guid PaymentId, string Reason);

/// <summary>Stripe refused the transfer; nothing was created there.</summary>
public sealed record PaymentFailed(Guid PaymentId, string Reason);

/// <summary>
/// A payment made outside the product (check, ACH, card, PayPal...), recorded by hand: a payment of its own (the first
/// event of its stream), or the settling of a held or failed payment (appended to that payment's stream, PayByHand).
/// </summary>
public sealed record ManualPaymentRecorded(Guid PaymentId, Guid ContractorId, decimal Amount, DateOnly PaidOn, string Method, string Reference);

/// <summary>Stripe reversed the transfer; the money came back and leaves the 1099 total of the year it was paid.</summary>
public sealed record PaymentReversed(Guid PaymentId, Guid ContractorId, decimal Amount, DateOnly PaidOn, string Method, string Reason);

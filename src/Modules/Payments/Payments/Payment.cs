using ContractTherapy.Shared.Persistence;

namespace ContractTherapy.Payments.Payments;

public enum PaymentStatus { Requested, Held, Sent, Failed, Reversed }

/// <summary>The payment stream's state.</summary>
public sealed record Payment(
    Guid Id,
    Guid ContractorId,
    Guid? PayStubId,
    Guid? CycleId,
    decimal Amount,
    string Method,
    PaymentStatus Status,
    string? HeldReason,
    string? FailureReason,
    DateOnly? PaidOn,
    string? StripeTransferId,
    string? Reference,
    int FailedAttempts,
    string? PendingReason = null)
{
    /// <summary>One payment per pay stub: approving a pay run twice finds the same payments.</summary>
    public static Guid IdFor(Guid payStubId) => StreamIds.For("payment", payStubId);

    /// <summary>
    /// Stripe's idempotency key: derived from the payment, so every retry of a send is the same
    /// request. Only after Stripe definitively refused one (a 4xx: nothing was created) does a
    /// new attempt get a new key, or Stripe would replay the refusal forever.
    /// </summary>
    public string IdempotencyKey => $"ct-payment-{Id:N}-{FailedAttempts}";

    public static Payment Create(PaymentRequested e) =>
        new(e.PaymentId, e.ContractorId, e.PayStubId, e.CycleId, e.Amount, e.Method, PaymentStatus.Requested, null, null, null, null, null, 0);

    public static Payment Create(ManualPaymentRecorded e) =>
        new(e.PaymentId, e.ContractorId, null, null, e.Amount, e.Method, PaymentStatus.Sent, null, null, e.PaidOn, null, e.Reference, 0);

    public Payment Apply(PaymentHeld e) => this with { Status = PaymentStatus.Held, HeldReason = e.Reason };

    public Payment Apply(PaymentRetryRequested _) => this with { Status = PaymentStatus.Requested, HeldReason = null, FailureReason = null, PendingReason = null };

    public Payment Apply(PaymentSendDelayed e) => this with { PendingReason = e.Reason };

    public Payment Apply(PaymentSent e) => this with { Status = PaymentStatus.Sent, PaidOn = e.PaidOn, StripeTransferId = e.StripeTransferId, PendingReason = null };

    public Payment Apply(PaymentFailed e) =>
        this with { Status = PaymentStatus.Failed, FailureReason = e.Reason, FailedAttempts = FailedAttempts + 1, PendingReason = null };

    public Payment Apply(PaymentReversed _) => this with { Status = PaymentStatus.Reversed };

    /// <summary>A held or failed payment paid by hand (PayByHand): paid, by that method, and no longer retried.</summary>
    public Payment Apply(ManualPaymentRecorded e) =>
        this with { Status = PaymentStatus.Sent, Method = e.Method, PaidOn = e.PaidOn, Reference = e.Reference, HeldReason = null, FailureReason = null, PendingReason = null };
}

public sealed record PaymentView(Guid Id, Guid ContractorId, Guid? PayStubId, Guid? CycleId, decimal Amount, string Method, string Status,
    string? HeldReason, string? FailureReason, DateOnly? PaidOn, string? StripeTransferId, string? Reference, string? PendingReason)
{
    /// <summary><c>PendingReason</c>: why a requested payment is not sent yet (Stripe has not confirmed it; retried automatically).</summary>
    public static PaymentView From(Payment p) => new(p.Id, p.ContractorId, p.PayStubId, p.CycleId, p.Amount, p.Method,
        p.Status.ToString().ToLowerInvariant(), p.HeldReason, p.FailureReason, p.PaidOn, p.StripeTransferId, p.Reference,
        p.Status == PaymentStatus.Requested ? p.PendingReason : null);

    /// <summary>
    /// The payment as its contractor sees it: why it waits in their terms (<see cref="Payees.HoldReasons"/>), not the office's
    /// reasons (its Stripe configuration, Stripe's answers to the platform) nor Stripe's progress.
    /// </summary>
    public static PaymentView ForContractor(Payment p) => From(p) with
    {
        HeldReason = p.HeldReason is { } held ? Payees.HoldReasons.ForTheContractor(held) : null,
        FailureReason = p.FailureReason is null ? null : Payees.HoldReasons.OfficeArranging,
        PendingReason = null,
    };
}

/// <summary>The message that sends a requested payment through Stripe (durable, after the request is committed).</summary>
public sealed record SendPayment(Guid PaymentId);

namespace ContractTherapy.Payments.SendingPayments;

/// <summary>
/// Written, and committed, before a send of the payment calls Stripe with <paramref name="IdempotencyKey"/>: from then
/// on a transfer may exist at Stripe under that key, whatever answer the host saw (a timeout, a crash, a reply lost).
/// A later hold of the payment (its payee deactivated, Stripe's key removed) does not undo it, so such a payment is
/// not paid by hand (PayByHand): a retry with the same key is the safe way to settle it. A definite refusal moves the
/// payment to its next key, and the attempt no longer applies. An operational record, not a domain event: the
/// payment's history does not change because the host asked Stripe. When it was written is Marten's <c>mt_last_modified</c>.
/// </summary>
public sealed record StripeSendAttempt(Guid Id, string IdempotencyKey);

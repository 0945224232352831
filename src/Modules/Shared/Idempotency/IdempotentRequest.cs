namespace ContractTherapy.Shared.Idempotency;

/// <summary>
/// The remembered outcome of one write sent with an <c>Idempotency-Key</c> (a tenant-scoped
/// document). <see cref="Completed"/> is false while the first request is still running.
/// </summary>
public sealed class IdempotentRequest
{
    public string Id { get; set; } = "";
    public string Fingerprint { get; set; } = "";
    public DateTimeOffset StartedAt { get; set; }
    public bool Completed { get; set; }
    public int StatusCode { get; set; }
    public string? ContentType { get; set; }
    public string? Location { get; set; }
    /// <summary>The response body, encrypted: responses can carry patient data.</summary>
    public string? EncryptedBody { get; set; }
}

namespace ContractTherapy.Tests.Visits.Before20261207;

/// <summary>
/// The duplicate key's document class as it was until 2026-12-07, top-level so that Marten names its table
/// mt_doc_visitfingerprint as it did (KeyHoldersUpgradeTests).
/// </summary>
public sealed class VisitFingerprint
{
    public string Id { get; set; } = "";
    public Guid VisitId { get; set; }
}

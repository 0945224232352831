namespace ContractTherapy.Invoicing.Cycles;

public static class Adjustments
{
    public const string VoidedReason = "Visit voided after invoicing";
    public const string CorrectedReason = "Visit corrected after invoicing";
}

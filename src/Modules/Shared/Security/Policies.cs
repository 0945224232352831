namespace ContractTherapy.Shared.Security;

/// <summary>
/// Named authorization policies, one per kind of access in domain.md §4. Endpoints name a
/// policy; scoped checks (a contractor reading itself) happen in the endpoint, which answers
/// 404 rather than 403 so that another contractor's ids are never confirmed.
/// </summary>
public static class Policies
{
    public const string TenantOwner = "tenant-owner";
    public const string StaffRead = "staff-read";
    public const string AgenciesWrite = "agencies-write";
    public const string AgenciesRead = "agencies-read";
    public const string ContractorsWrite = "contractors-write";
    public const string ContractorsRead = "contractors-read";
    public const string PayRatesRead = "pay-rates-read";
    public const string BillRatesRead = "bill-rates-read";
    public const string VisitsWrite = "visits-write";
    public const string VisitsRead = "visits-read";
    public const string VisitsLive = "visits-live";
    public const string AuditRead = "audit-read";
    public const string CyclesRead = "cycles-read";
    public const string CyclesWrite = "cycles-write";
    public const string InvoicesRead = "invoices-read";
    public const string PayStubsRead = "pay-stubs-read";
    public const string PaymentsWrite = "payments-write";
    public const string PaymentsRead = "payments-read";
    public const string TaxRead = "tax-read";
    public const string TaxExport = "tax-export";

    public static readonly IReadOnlyDictionary<string, string[]> RolesByPolicy = new Dictionary<string, string[]>
    {
        [TenantOwner] = [Roles.Owner],
        [StaffRead] = [Roles.Owner, Roles.Billing, Roles.Payroll, Roles.Compliance],
        [AgenciesWrite] = [Roles.Owner, Roles.Billing],
        [AgenciesRead] = [Roles.Owner, Roles.Billing, Roles.Payroll, Roles.Compliance, Roles.Agency, Roles.Contractor],
        [BillRatesRead] = [Roles.Owner, Roles.Billing, Roles.Compliance],
        [ContractorsWrite] = [Roles.Owner, Roles.Payroll],
        [ContractorsRead] = [Roles.Owner, Roles.Payroll, Roles.Billing, Roles.Compliance, Roles.Accountant, Roles.Contractor],
        [PayRatesRead] = [Roles.Owner, Roles.Payroll, Roles.Compliance, Roles.Contractor],
        [VisitsWrite] = [Roles.Owner, Roles.Billing, Roles.Contractor],
        [VisitsRead] = [Roles.Owner, Roles.Billing, Roles.Payroll, Roles.Compliance, Roles.Contractor],
        [VisitsLive] = [Roles.Owner, Roles.Billing, Roles.Payroll],
        [AuditRead] = [Roles.Owner, Roles.Compliance],
        [CyclesRead] = [Roles.Owner, Roles.Billing, Roles.Payroll, Roles.Compliance],
        [CyclesWrite] = [Roles.Owner, Roles.Billing],
        [InvoicesRead] = [Roles.Owner, Roles.Billing, Roles.Compliance, Roles.Agency],
        [PayStubsRead] = [Roles.Owner, Roles.Payroll, Roles.Compliance, Roles.Contractor],
        [PaymentsWrite] = [Roles.Owner, Roles.Payroll],
        [PaymentsRead] = [Roles.Owner, Roles.Payroll, Roles.Compliance, Roles.Accountant, Roles.Contractor],
        [TaxRead] = [Roles.Owner, Roles.Accountant, Roles.Contractor],
        [TaxExport] = [Roles.Owner, Roles.Accountant],
    };
}

using ContractTherapy.Invoicing.Billing;
using ContractTherapy.Invoicing.Invoices;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Tenancy;
using Marten;

namespace ContractTherapy.Invoicing.PrintingInvoices;

/// <summary>
/// Who the printed invoice names: the tenant (letterhead and remit-to) from its settings' payer,
/// and the agency (bill-to) from Invoicing's own read model of the agency. The invoice keeps the
/// agency's name as it was at the close; the address is today's.
/// </summary>
public static class InvoiceParties
{
    public static async Task<byte[]> Print(IQuerySession session, TenantSettings settings, string tenantId, InvoiceView invoice, CancellationToken ct)
    {
        var agency = await session.LoadAsync<AgencyTerms>(invoice.AgencyId, ct);
        return InvoicePdf.Render(invoice, Issuer(settings.Payer, tenantId), BillTo(invoice.AgencyName, agency));
    }

    /// <summary>The payer of the tenant's settings; a tenant that has not set one yet prints under its tenant id.</summary>
    public static InvoiceParty Issuer(Payer? payer, string tenantId) => payer is null
        ? new InvoiceParty(tenantId, [], [])
        : new InvoiceParty(payer.Name, Lines(payer.Address), Contact(payer.Phone, payer.Email));

    public static InvoiceParty BillTo(string agencyName, AgencyTerms? agency) =>
        new(agencyName, Lines(agency?.Address), Contact(null, agency?.BillingEmail));

    private static IReadOnlyList<string> Lines(Address? a)
    {
        if (a is null) return [];
        var cityLine = string.Join(" ", new[] { string.Join(", ", new[] { a.City, a.State }.Where(s => !string.IsNullOrWhiteSpace(s))), a.Zip }
            .Where(s => !string.IsNullOrWhiteSpace(s)));
        return new[] { a.Line1, a.Line2, cityLine }.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s!.Trim()).ToList();
    }

    private static IReadOnlyList<string> Contact(string? phone, string? email) =>
        new[] { phone, email }.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s!.Trim()).ToList();
}

using ContractTherapy.Invoicing.Cycles;
using ContractTherapy.Shared.Domain;
using ContractTherapy.Shared.Security;

namespace ContractTherapy.Invoicing.Invoices;

public sealed record InvoiceLineView(string Kind, Guid VisitId, DateOnly VisitDate, string? PatientName, string? Mrn, string Clinician,
    Discipline Discipline, VisitType VisitType, decimal Rate, decimal Amount, string? Reason);

public sealed record InvoiceView(Guid Id, string Number, Guid AgencyId, string AgencyName, Guid CycleId, DateOnly PeriodStart, DateOnly PeriodEnd,
    DateOnly IssuedOn, DateOnly DueOn, IReadOnlyList<InvoiceLineView> Lines, decimal Subtotal, decimal Total, decimal AmountPaid, decimal Balance,
    string Status, InvoiceNoticeState? Notice = null);

public static class InvoiceViews
{
    /// <summary>Billing staff and the agency that owns the patients see names and MRNs; compliance sees the lines without them.</summary>
    public static bool MaySeePatients(this Caller caller, Invoice invoice) =>
        caller.Role is Roles.Owner or Roles.Billing || caller.IsAgency(invoice.AgencyId);

    public static InvoiceView View(this Invoice invoice, Caller caller, FieldCipher cipher, DateOnly today)
    {
        if (invoice.Lines.Count < invoice.LineCount)
            throw new InvalidOperationException($"Invoice {invoice.Id} was read without its lines: read them with {nameof(InvoiceLines.WithLinesAsync)}.");
        var phi = caller.MaySeePatients(invoice);
        // One AES-GCM instance for the invoice's names and MRNs (2,500 of them on an invoice of 1,250 lines), not one a value.
        using var patients = cipher.DecryptorFor(caller.TenantId);
        var lines = invoice.Lines.Select(l => new InvoiceLineView(
            l.Kind.ToString().ToLowerInvariant(), l.VisitId, l.VisitDate,
            phi ? patients.Decrypt(l.Patient.Name) : null,
            phi ? patients.Decrypt(l.Patient.Mrn) : null,
            l.ContractorName, l.Discipline, l.VisitType, l.BillRate, l.BillAmount, l.Reason)).ToList();
        return new InvoiceView(invoice.Id, invoice.Number, invoice.AgencyId, invoice.AgencyName, invoice.CycleId, invoice.PeriodStart,
            invoice.PeriodEnd, invoice.IssuedOn, invoice.DueOn, lines, invoice.Total, invoice.Total, invoice.AmountPaid, invoice.Balance,
            invoice.StatusOn(today), invoice.Notice);
    }
}

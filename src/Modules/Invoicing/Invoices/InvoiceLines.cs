using Marten;

namespace ContractTherapy.Invoicing.Invoices;

/// <summary>
/// An invoice's lines, read from the <see cref="InvoiceIssued"/> that opened its stream (the stored
/// <see cref="Invoice"/> document does not carry them; see its remarks). One round trip for any number of invoices.
/// </summary>
public static class InvoiceLines
{
    public static async Task<Invoice> WithLinesAsync(this IQuerySession session, Invoice invoice, CancellationToken ct) =>
        (await session.WithLinesAsync([invoice], ct))[0];

    /// <summary>The invoices, in the same order, each with its lines (those that have them already are returned as they are).</summary>
    public static async Task<IReadOnlyList<Invoice>> WithLinesAsync(this IQuerySession session, IReadOnlyList<Invoice> invoices, CancellationToken ct)
    {
        var without = invoices.Where(i => i.Lines.Count == 0).Select(i => i.Id).Distinct().ToList();
        if (without.Count == 0) return invoices;
        var batch = session.CreateBatchQuery();
        var issued = without.ToDictionary(id => id, id => batch.Events.FetchStream(id, version: 1));
        await batch.Execute(ct);
        var lines = new Dictionary<Guid, InvoiceIssued>();
        foreach (var (id, events) in issued)
            lines[id] = (await events).Select(e => e.Data).OfType<InvoiceIssued>().SingleOrDefault()
                ?? throw new InvalidOperationException($"Invoice {id} has no {nameof(InvoiceIssued)} at the start of its stream.");
        return invoices.Select(i => i.Lines.Count == 0 ? i with { Lines = lines[i.Id].Lines, LineCount = lines[i.Id].Lines.Count } : i).ToList();
    }
}

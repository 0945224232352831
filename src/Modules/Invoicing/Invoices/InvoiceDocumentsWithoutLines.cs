using Marten;
using Marten.Schema;

namespace ContractTherapy.Invoicing.Invoices;

/// <summary>
/// Brings invoice documents stored before 2026-12-06 (with their lines) to the shape written since (no lines, their
/// <c>lineCount</c>), at each start, after Marten applied the schema: without it the replay would find every such
/// document different from the one it builds, for ever, and a view could not tell a document read without its lines.
/// Only documents that still hold lines are touched, so it runs again harmlessly (another node, the next start).
/// </summary>
public sealed class InvoiceDocumentsWithoutLines : IInitialData
{
    public async Task Populate(IDocumentStore store, CancellationToken ct)
    {
        var table = store.Options.FindOrResolveDocumentType(typeof(Invoice)).TableName.QualifiedName;
        await using var session = store.LightweightSession();
        session.QueueSqlCommand($"""
            update {table}
               set data = (data - 'lines') || jsonb_build_object('lineCount', jsonb_array_length(data -> 'lines'))
             where data -> 'lines' is not null
            """);
        await session.SaveChangesAsync(ct);
    }
}

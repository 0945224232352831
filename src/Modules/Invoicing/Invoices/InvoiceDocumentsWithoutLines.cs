using ContractTherapy.Shared.Persistence;
using Marten;

namespace ContractTherapy.Invoicing.Invoices;

/// <summary>
/// Brings invoice documents stored before 2026-12-06 (with their lines) to the shape written since (no lines, their
/// <c>lineCount</c>), at each start, after Marten applied the schema: without it the replay would find every such
/// document different from the one it builds, for ever, and a view could not tell a document read without its lines.
/// Only documents that still hold lines are touched, so it runs again harmlessly (another node, the next start).
/// </summary>
public sealed class InvoiceDocumentsWithoutLines : StartupStatement
{
    public override string Sql(IReadOnlyStoreOptions options) => $"""
        update {options.TableOf<Invoice>()}
           set data = (data - 'lines') || jsonb_build_object('lineCount', jsonb_array_length(data -> 'lines'))
         where data -> 'lines' is not null
        """;
}

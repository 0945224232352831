using ContractTherapy.Shared.Persistence;
using Marten;

namespace ContractTherapy.Payroll.PayRuns;

/// <summary>
/// Brings pay stub documents stored before 2026-12-06 (with their lines) to the shape written since (no lines, their
/// <c>lineCount</c> and the version of their <see cref="PayStubIssued"/> in the pay run stream), at each start, after
/// Marten applied the schema (see <c>InvoiceDocumentsWithoutLines</c> for why). Only documents that still hold lines
/// are touched.
/// </summary>
public sealed class PayStubDocumentsWithoutLines : StartupStatement
{
    public override string Sql(IReadOnlyStoreOptions options) => $"""
        update {options.TableOf<PayStub>()} as d
           set data = (d.data - 'lines') || jsonb_build_object('lineCount', jsonb_array_length(d.data -> 'lines'), 'issuedVersion', e.version)
          from {options.Events.DatabaseSchemaName}.mt_events as e
         where d.data -> 'lines' is not null
           and e.tenant_id = d.tenant_id and e.stream_id = (d.data ->> 'payRunId')::uuid and e.type = 'pay_stub_issued'
           and e.data ->> 'payStubId' = d.id::text
        """;
}

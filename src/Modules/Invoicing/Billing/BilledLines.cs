using ContractTherapy.Invoicing.Cycles;
using Marten;

namespace ContractTherapy.Invoicing.Billing;

/// <summary>
/// The line each invoiced visit was last billed on, read out of the <see cref="CycleClosed"/> events that hold them: the
/// closes that have a line of the visit are found through <see cref="ClosedLineVisits"/>' index, and the visit's line is
/// in the latest of them, its last non-reversing line there (a close that only reversed it left nothing billed), made
/// whole with its invoice's and its pay stub's lines (<see cref="CycleLine"/>). One query for all of a close's changed visits; PostgreSQL
/// takes each of those closes' lines and invoices apart once (the materialized CTEs) and sends back only the lines asked
/// for, not the events.
/// </summary>
public static class BilledLines
{
    /// <summary>
    /// The closes are found by their visits alone and only then kept if they are the tenant's: asked for both at once,
    /// PostgreSQL may read the tenant's whole history through the events' primary key (it did, for a tenant it guessed
    /// small) and take every close apart. Visit ids are unique, so the other tenants' closes found are none.
    /// </summary>
    public const char Placeholder = '^';

    public static string Sql(IQuerySession session)
    {
        var schema = session.DocumentStore.Options.Events.DatabaseSchemaName;
        // A close's line stored whole (closes before 2026-12-07) has the names ('contractorName') and is used as it is. One
        // stored as a CycleLine is made whole with its invoice's line (the bill side, the agency's and the contractor's
        // names, the patient's name and MRN) and its pay stub's line (the pay side, the patient's initials) of the same visit
        // and direction: a close has at most one reversing and one other line of a visit. The invoice is the first event
        // of its stream, the stub its pay run's event of the version the close lists; the line's own keys come last, so a
        // CycleLine of the day it still carried the pay side ('payAmount') keeps its own.
        return $"""
            with found as materialized (
                select e.tenant_id, e.seq_id, e.data
                  from {schema}.mt_events as e
                 where e.type = 'cycle_closed' and {ClosedLineVisits.Expression("e")} ?| ^::text[]),
            closes as materialized (select seq_id, data from found where tenant_id = ^),
            wanted as materialized (
                select c.seq_id, c.data -> 'invoices' as invoices, c.data -> 'payStubs' as pay_stubs, (c.data ->> 'payRunId')::uuid as pay_run_id,
                       l.position, l.line
                  from closes as c cross join lateral jsonb_array_elements(c.data -> 'lines') with ordinality as l(line, position)
                 where (l.line ->> 'visitId')::uuid = any(^::uuid[])),
            billed as materialized (
                select distinct on ((line ->> 'visitId')::uuid) line, pay_run_id,
                       (select (r ->> 'invoiceId')::uuid from jsonb_array_elements(invoices) as r where r ->> 'agencyId' = line ->> 'agencyId') as invoice_id,
                       (select (r ->> 'version')::bigint from jsonb_array_elements(pay_stubs) as r where r ->> 'contractorId' = line ->> 'contractorId') as stub_version
                  from wanted
                 order by (line ->> 'visitId')::uuid, seq_id desc, (line ->> 'isReversal')::boolean, position desc),
            refs as materialized (
                select invoice_id as stream_id, 1::bigint as version from billed where not line ? 'contractorName'
                 union
                select pay_run_id, stub_version from billed where not line ? 'contractorName' and pay_run_id is not null),
            parts as materialized (
                select i.stream_id, i.version, i.data ->> 'agencyName' as agency_name, i.data -> 'lines' as lines
                  from refs as r
                       cross join lateral (select e.stream_id, e.version, e.data from {schema}.mt_events as e
                                            where e.tenant_id = ^ and e.stream_id = r.stream_id and e.version = r.version) as i),
            part_lines as materialized (
                select p.stream_id, p.version, p.agency_name, x.line
                  from parts as p cross join lateral jsonb_array_elements(p.lines) as x(line)
                 where (x.line ->> 'visitId')::uuid = any(^::uuid[]))
            select whole from (
                select case when b.line ? 'contractorName' then b.line
                            when sl.line is null and not b.line ? 'payAmount' then null
                            else il.line || jsonb_build_object('payRate', sl.line -> 'payRate', 'payAmount', sl.line -> 'amount', 'miles', sl.line -> 'miles',
                                     'mileageRate', sl.line -> 'mileageRate', 'mileageAmount', sl.line -> 'mileageAmount')
                                 || (b.line - 'patientInitials')
                                 || jsonb_build_object('agencyName', il.agency_name, 'patient', (il.line -> 'patient')
                                     || jsonb_build_object('initials', coalesce(b.line -> 'patientInitials', sl.line -> 'sealedPatientInitials'))) end as whole
                  from billed as b
                       left join part_lines as il on il.stream_id = b.invoice_id and il.version = 1 and il.line ->> 'visitId' = b.line ->> 'visitId'
                            and il.line ->> 'isReversal' = b.line ->> 'isReversal'
                       left join part_lines as sl on sl.stream_id = b.pay_run_id and sl.version = b.stub_version and sl.line ->> 'visitId' = b.line ->> 'visitId'
                            and coalesce(sl.line ->> 'isReversal', 'false') = b.line ->> 'isReversal') as w
             where whole is not null
            """;
    }

    /// <summary>
    /// By visit, the line each of <paramref name="visits"/> was last billed on; a reversal if the last close that had
    /// the visit only credited it. A visit without any line (a document that says it was invoiced, with no close that
    /// invoiced it) stops the close rather than bill it as if it never was.
    /// </summary>
    public static async Task<IReadOnlyDictionary<Guid, ClosedLine>> ReadAsync(IQuerySession session, IEnumerable<BillableVisit> visits, CancellationToken ct)
    {
        var ids = visits.Where(v => v.Invoiced).Select(v => v.Id).Distinct().ToArray();
        if (ids.Length == 0) return new Dictionary<Guid, ClosedLine>();
        // '^' marks the parameters: '?|' is the index's operator (visit ids as the strings the events hold).
        var lines = await session.QueryAsync<ClosedLine>(Placeholder, Sql(session), ct, ids.Select(id => id.ToString()).ToArray(), session.TenantId, ids,
            session.TenantId, ids);
        var byVisit = lines.ToDictionary(l => l.VisitId);
        var missing = ids.Where(id => !byVisit.ContainsKey(id)).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException(
                $"No close has a whole line of {missing.Count} invoiced visit(s) (a line in a close's event, its bill side on the close's invoice and its pay side on the close's pay stub): {string.Join(", ", missing.Take(10))}.");
        return byVisit;
    }
}

using ContractTherapy.Invoicing.Cycles;
using Marten;

namespace ContractTherapy.Invoicing.Billing;

/// <summary>
/// The line each invoiced visit was last billed on, read out of the <see cref="CycleClosed"/> events that hold them: the
/// closes that have a line of the visit are found through <see cref="ClosedLineVisits"/>' index, and the visit's line is
/// in the latest of them, its last non-reversing line there (a close that only reversed it left nothing billed), made
/// whole with its invoice's line (<see cref="CycleLine"/>). One query for all of a close's changed visits; PostgreSQL
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
        // A close's line stored whole (closes before 2026-12-07) has its bill side ('billRate'); one stored as a CycleLine
        // takes it, with the agency's name and the patient's name and MRN, from its invoice's line of the same visit and
        // direction (a close has at most one reversing and one other line of a visit). The invoice is the first event of
        // its stream, found by the close's own list of the invoices it issued.
        return $"""
            with found as materialized (
                select e.tenant_id, e.seq_id, e.data -> 'lines' as lines, e.data -> 'invoices' as invoices
                  from {schema}.mt_events as e
                 where e.type = 'cycle_closed' and {ClosedLineVisits.Expression("e")} ?| ^::text[]),
            closes as materialized (select seq_id, lines, invoices from found where tenant_id = ^),
            wanted as materialized (
                select c.seq_id, c.invoices, l.position, l.line
                  from closes as c cross join lateral jsonb_array_elements(c.lines) with ordinality as l(line, position)
                 where (l.line ->> 'visitId')::uuid = any(^::uuid[])),
            billed as materialized (
                select distinct on ((line ->> 'visitId')::uuid) line,
                       (select (r ->> 'invoiceId')::uuid from jsonb_array_elements(invoices) as r where r ->> 'agencyId' = line ->> 'agencyId') as invoice_id
                  from wanted
                 order by (line ->> 'visitId')::uuid, seq_id desc, (line ->> 'isReversal')::boolean, position desc),
            invoices as materialized (
                select i.stream_id as invoice_id, i.data ->> 'agencyName' as agency_name, i.data -> 'lines' as lines
                  from {schema}.mt_events as i
                 where i.stream_id in (select invoice_id from billed where not line ? 'billRate') and i.version = 1 and i.tenant_id = ^),
            invoice_lines as materialized (
                select v.invoice_id, v.agency_name, x.line
                  from invoices as v cross join lateral jsonb_array_elements(v.lines) as x(line)
                 where (x.line ->> 'visitId')::uuid = any(^::uuid[]))
            select whole from (
                select case when b.line ? 'billRate' then b.line
                            else il.line || (b.line - 'patientInitials') || jsonb_build_object('agencyName', il.agency_name,
                                 'patient', (il.line -> 'patient') || jsonb_build_object('initials', b.line -> 'patientInitials')) end as whole
                  from billed as b
                       left join invoice_lines as il on il.invoice_id = b.invoice_id and il.line ->> 'visitId' = b.line ->> 'visitId'
                            and il.line ->> 'isReversal' = b.line ->> 'isReversal') as w
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
                $"No close has a whole line of {missing.Count} invoiced visit(s) (a line in a close's event and its bill side on the close's invoice): {string.Join(", ", missing.Take(10))}.");
        return byVisit;
    }
}

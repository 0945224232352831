using ContractTherapy.Invoicing.Invoices;
using ContractTherapy.Payments.Payments;
using ContractTherapy.Payments.TaxReporting;
using ContractTherapy.Payroll.PayRuns;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Audit;

public sealed record Lineage(string Kind, string Id, IReadOnlyList<AuditEvent> Events);

/// <summary>
/// <c>GET /api/audit/documents/{kind}/{id}/lineage</c>: the events a document was built from,
/// in sequence order, so an auditor can walk from any number to its facts.
/// <list type="bullet">
/// <item><c>invoice</c>: the invoice's stream, the CycleClosed that issued it, and every event of its visits up to that close;</item>
/// <item><c>paystub</c>: its PayStubIssued, the CycleClosed, its visits' events up to the close, and its payment's events;</item>
/// <item><c>1099</c> (id <c>{contractorId}</c>, <c>?year=</c>): every payment event of the contractor's year.</item>
/// </list>
/// </summary>
public static class LineageEndpoint
{
    private static readonly Choice Kinds = new(["invoice", "paystub", "1099"]);

    [WolverineGet("/api/audit/documents/{kind}/{id}/lineage"), Authorize(Policy = Policies.AuditRead), Tags("Audit")]
    [ProducesResponseType<Lineage>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get([OneOf("invoice", "paystub", "1099")] string kind, string id, int? year, HttpContext http, IDocumentSession session, AuditEventRenderer renderer,
        TimeProvider clock, CancellationToken ct)
    {
        var v = new Validation();
        if (v.Read("kind", kind, Kinds) is not { } listed) return Results.Problem(v.ToProblem());
        kind = listed;
        if (kind == "1099" && year is null) return Problems.Invalid("year", "'year' is required for a 1099 lineage.");
        var caller = Caller.From(http.User);
        List<IEvent>? events = !Guid.TryParse(id, out var guid) ? null : kind switch
        {
            "invoice" => await InvoiceLineage(session, guid, ct),
            "paystub" => await PayStubLineage(session, guid, ct),
            _ => await TaxLineage(session, guid, year!.Value, ct),
        };
        if (events is null || events.Count == 0) return Problems.NotFound(kind, id);

        var opened = new HashSet<Guid>();
        var open = AuditEventRenderer.MayOpenPatientData(caller);
        var rendered = events.DistinctBy(e => e.Sequence).OrderBy(e => e.Sequence).Select(e => renderer.Render(e, caller, open, opened)).ToList();
        renderer.RecordReads(session, caller, clock.GetUtcNow(), "GET /api/audit/documents/{kind}/{id}/lineage", opened);
        return Results.Ok(new Lineage(kind, id, rendered));
    }

    private static async Task<List<IEvent>?> InvoiceLineage(IQuerySession session, Guid id, CancellationToken ct)
    {
        var own = (await session.Events.FetchStreamAsync(id, token: ct)).ToList();
        if (own.Count == 0) return null;
        var issued = (Invoicing.Invoices.InvoiceIssued)own[0].Data;
        return [.. own, .. await CloseAndVisits(session, issued.CycleId, issued.Lines.Select(l => l.VisitId), ct)];
    }

    private static async Task<List<IEvent>?> PayStubLineage(IQuerySession session, Guid id, CancellationToken ct)
    {
        var stub = await session.LoadAsync<PayStub>(id, ct);
        if (stub is null) return null;
        // The stub's lines are in its PayStubIssued (the stored document does not carry them).
        var issued = (await session.Events.FetchStreamAsync(stub.PayRunId, token: ct)).Where(e => e.Data is PayStubIssued p && p.PayStubId == id).ToList();
        var lines = issued.Select(e => (PayStubIssued)e.Data).SelectMany(p => p.Lines);
        var payment = await session.Events.FetchStreamAsync(Payment.IdFor(id), token: ct);
        return [.. issued, .. await CloseAndVisits(session, stub.CycleId, lines.Select(l => l.VisitId), ct), .. payment];
    }

    private static async Task<List<IEvent>> TaxLineage(IQuerySession session, Guid contractorId, int year, CancellationToken ct)
    {
        var taxYear = await session.LoadAsync<ContractorTaxYear>(ContractorTaxYear.IdFor(contractorId, year), ct);
        if (taxYear is null) return [];
        var events = new List<IEvent>();
        foreach (var payment in taxYear.Payments)
            events.AddRange(await session.Events.FetchStreamAsync(payment.PaymentId, token: ct));
        return events;
    }

    private static async Task<List<IEvent>> CloseAndVisits(IQuerySession session, Guid cycleId, IEnumerable<Guid> visitIds, CancellationToken ct)
    {
        var close = (await session.Events.FetchStreamAsync(cycleId, token: ct)).Single(e => e.Data is Invoicing.Cycles.CycleClosed);
        var events = new List<IEvent> { close };
        foreach (var visit in visitIds.Distinct())
            events.AddRange((await session.Events.FetchStreamAsync(visit, token: ct)).Where(e => e.Sequence < close.Sequence));
        return events;
    }
}

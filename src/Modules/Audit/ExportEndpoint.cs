using System.Text.Json;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Wolverine.Http;

namespace ContractTherapy.Audit;

/// <summary>
/// <c>GET /api/audit/export?from&amp;to</c>: the tenant's events with their metadata as JSON lines,
/// in sequence order, streamed in pages for an external auditor. Patient data and TINs are
/// masked: an external export carries no PHI.
/// </summary>
public static class ExportEndpoint
{
    private const int PageSize = 1000;

    [WolverineGet("/api/audit/export"), Authorize(Policy = Policies.AuditRead), Tags("Audit")]
    public static async Task Get(string? from, string? to, HttpContext http, IQuerySession session, AuditEventRenderer renderer, CancellationToken ct)
    {
        if (!Dates.TryReadInstant("from", from, out var fromAt, out var problem) || !Dates.TryReadInstant("to", to, out var toAt, out problem))
        {
            await problem!.ExecuteAsync(http);
            return;
        }

        var caller = Caller.From(http.User);
        http.Response.ContentType = "application/x-ndjson";
        http.Response.Headers.ContentDisposition = "attachment; filename=\"audit-export.jsonl\"";
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        long after = 0;
        while (!ct.IsCancellationRequested)
        {
            var query = session.Events.QueryAllRawEvents().Where(e => e.Sequence > after);
            if (fromAt is { } f) query = query.Where(e => e.Timestamp >= f);
            if (toAt is { } t) query = query.Where(e => e.Timestamp <= t);
            var page = await query.OrderBy(e => e.Sequence).Take(PageSize).ToListAsync(ct);
            if (page.Count == 0) break;
            foreach (var e in page)
            {
                await http.Response.WriteAsync(JsonSerializer.Serialize(renderer.Render(e, caller, openPatientData: false, []), json), ct);
                await http.Response.WriteAsync("\n", ct);
            }
            await http.Response.Body.FlushAsync(ct);
            after = page[^1].Sequence;
        }
    }
}

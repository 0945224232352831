using System.Text.Json;
using ContractTherapy.Shared.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Wolverine.Http;

namespace ContractTherapy.Visits.WatchingVisits;

/// <summary>
/// <c>GET /api/visits/live</c>: server-sent events, one <c>visit</c> event per visit logged in
/// the caller's tenant, as it is committed. A comment line every 15 seconds keeps proxies from
/// closing an idle stream.
/// </summary>
public static class WatchVisitsEndpoint
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    [WolverineGet("/api/visits/live"), Authorize(Policy = Policies.VisitsLive), Tags("Visits")]
    public static async Task Get(HttpContext http, VisitFeed feed, IOptions<JsonOptions> json)
    {
        var caller = Caller.From(http.User);
        var ct = http.RequestAborted;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";

        var (id, reader) = feed.Subscribe(caller.TenantId);
        try
        {
            // "connected" promises every visit committed from now on, other nodes' included: wait
            // (briefly; the database may be away) until the poller follows the event store.
            try { await feed.Following().WaitAsync(TimeSpan.FromSeconds(5), ct); }
            catch (TimeoutException) { }
            await http.Response.WriteAsync(": connected\n\n", ct);
            await http.Response.Body.FlushAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(Heartbeat);
                try
                {
                    var visit = await reader.ReadAsync(wait.Token);
                    await http.Response.WriteAsync(
                        $"event: visit\nid: {visit.Id}\ndata: {JsonSerializer.Serialize(visit, json.Value.SerializerOptions)}\n\n", ct);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    await http.Response.WriteAsync(": heartbeat\n\n", ct);
                }
                await http.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
        finally
        {
            feed.Unsubscribe(id);
        }
    }
}

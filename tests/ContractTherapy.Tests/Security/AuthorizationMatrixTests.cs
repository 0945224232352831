using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContractTherapy.Tests.Infrastructure;
using Npgsql;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Security;

/// <summary>
/// Every endpoint of the OpenAPI document x the 7 roles x (own record, another record of the
/// same tenant, the same ids from another tenant), each answer checked against
/// authorization-matrix.json beside this file. An endpoint without a row fails the test: its
/// row must be written (run with CT_MATRIX_RECORD=&lt;file&gt; to get the answers seen, then review
/// them). Whatever the file says, these hold: a record of another tenant or of another scoped
/// user is never answered with 2xx, no answer to a scoped user or another tenant carries an id
/// or name it must not see, and a refused request (4xx) appends no event.
/// </summary>
public sealed class AuthorizationMatrixTests(AppFixture app) : IntegrationTest(app)
{
    public static readonly string[] RoleOrder = ["owner", "billing", "payroll", "contractor", "agency", "compliance", "accountant"];

    private static readonly string MatrixPath = Path.Combine(AppContext.BaseDirectory, "Security", "authorization-matrix.json");

    /// <summary>Endpoints that end what later rows act on (deactivation, unassignment, voids) run last.</summary>
    private static readonly string[] RunLast =
        ["POST /api/visits/{id}/void", "POST /api/contractors/{id}/deactivate", "DELETE /api/contractors/{id}/agencies/{agencyId}"];

    [Fact]
    public async Task every_endpoint_answers_each_role_and_scope_as_the_matrix_says()
    {
        var endpoints = await EndpointsOfTheOpenApiDocument(Api);
        endpoints.Count.ShouldBeGreaterThan(40);
        var matrix = JsonNode.Parse(await File.ReadAllTextAsync(MatrixPath))!["endpoints"]!.AsObject();

        var world = await Api.TwoOfEverything();
        var other = OtherTenant();
        var ordered = endpoints.OrderBy(e => Array.IndexOf(RunLast, e)).ThenBy(e => e.StartsWith("GET ") ? 0 : 1).ThenBy(e => e, StringComparer.Ordinal).ToList();

        var failures = new List<string>();
        var seen = new JsonObject();
        foreach (var endpoint in ordered)
        {
            var row = matrix[endpoint]?.AsObject();
            if (row is null && Environment.GetEnvironmentVariable("CT_MATRIX_RECORD") is null)
            {
                failures.Add($"{endpoint}: no row in authorization-matrix.json (run with CT_MATRIX_RECORD=<file> to see its answers)");
                continue;
            }
            var body = row?["body"]?.ToJsonString();
            var seenRow = new JsonObject();
            if (body is not null) seenRow["body"] = JsonNode.Parse(body);
            foreach (var role in RoleOrder)
            {
                var statuses = new List<int>();
                foreach (var scope in new[] { Scope.OtherTenant, Scope.OtherRecord, Scope.OwnRecord })
                {
                    var api = scope == Scope.OtherTenant ? other : Api;
                    var (status, text, contentType) = await Send(api, world, endpoint, role, scope, body);
                    statuses.Add(status);
                    var where = $"{endpoint} as {role} ({scope})";
                    foreach (var leak in Leaks(world, role, scope, text)) failures.Add($"{where}: the answer shows {leak}");
                    if (status >= 500) failures.Add($"{where}: {status} {text}");
                    if (text.Contains("[refused, yet")) failures.Add($"{where}: {status} {text}");
                    if (status >= 400 && !contentType.StartsWith("application/problem+json"))
                        failures.Add($"{where}: {status} is not problem details ({contentType})");
                    if (status is >= 200 and < 300 && NamesARecord(endpoint) && (scope == Scope.OtherTenant || scope == Scope.OtherRecord && role is "contractor" or "agency"))
                        failures.Add($"{where}: {status} for a record that is not the caller's");
                }
                // Cells list own record, other record, other tenant.
                var cell = $"{statuses[2]} {statuses[1]} {statuses[0]}";
                seenRow[role] = cell;
                var expected = row?[role]?.GetValue<string>();
                if (row is not null && expected != cell) failures.Add($"{endpoint} as {role}: expected {expected ?? "(no cell)"}, got {cell}");
            }
            seen[endpoint] = seenRow;
        }
        foreach (var (endpoint, _) in matrix)
            if (!endpoints.Contains(endpoint)) failures.Add($"{endpoint}: a row for an endpoint the OpenAPI document no longer has");

        if (Environment.GetEnvironmentVariable("CT_MATRIX_RECORD") is { } record) await File.WriteAllTextAsync(record, Format(seen));
        failures.ShouldBeEmpty(string.Join("\n", failures));
    }

    private enum Scope { OwnRecord, OtherRecord, OtherTenant }

    /// <summary>Whether the path names a record of tenant A.</summary>
    private static bool NamesARecord(string endpoint) => endpoint.Contains("{id}") || endpoint.Contains("{agencyId}");

    private async Task<(int Status, string Body, string ContentType)> Send(Api api, World world, string endpoint, string role, Scope scope, string? body)
    {
        var pick = (string kind) => scope == Scope.OtherRecord ? world.Ids[kind].Other : world.Ids[kind].Own;
        var method = endpoint[..endpoint.IndexOf(' ')];
        var path = endpoint[(endpoint.IndexOf(' ') + 1)..];
        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            segments[i] = segments[i] switch
            {
                "{agencyId}" => pick("agency").ToString(),
                "{year}" => "2026",
                "{kind}" => "invoice",
                "{id}" => (segments[i - 1] switch
                {
                    "agencies" => pick("agency"),
                    "contractors" or "streams" => pick("contractor"),
                    "visits" => pick("visit"),
                    "cycles" => pick("cycle"),
                    "invoices" or "invoice" => pick("invoice"),
                    "paystubs" => pick("paystub"),
                    "payments" => pick("payment"),
                    var segment => throw new InvalidOperationException($"No record for {{id}} after '{segment}' in {endpoint}: add one to the matrix world."),
                }).ToString(),
                var same => same,
            };
        }
        var url = string.Join('/', segments);
        // A list asked for another scoped user's records filters on them.
        if (scope == Scope.OtherRecord && method == "GET" && !path.Contains('{'))
            url += $"?contractorId={pick("contractor")}&agencyId={pick("agency")}";

        // Scoped tokens name tenant A's contractor and agency, also in the other tenant.
        var token = await api.Token(role, role == "contractor" ? world.Ids["contractor"].Own : null, role == "agency" ? world.Ids["agency"].Own : null);
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
            request.Content = new StringContent(body.Replace("{contractor}", pick("contractor").ToString()).Replace("{agency}", pick("agency").ToString()),
                Encoding.UTF8, "application/json");

        var before = await EventCount(api.Tenant);
        using var client = App.Host.Server.CreateClient();
        HttpResponseMessage? sentResponse = null;
        if (method == "GET") sentResponse = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        else // A write's messages (sends, totals) are handled before the next case counts events.
            await Wolverine.Tracking.WolverineHostMessageTrackingExtensions.TrackActivity(App.Host)
                .Timeout(TimeSpan.FromSeconds(30)).DoNotAssertOnExceptionsDetected()
                .ExecuteAndWaitAsync((Func<Wolverine.IMessageContext, Task>)(async _ => sentResponse = await client.SendAsync(request)));
        using var response = sentResponse!;
        var contentType = response.Content.Headers.ContentType?.ToString() ?? "";
        // The live feed streams until the caller leaves: its headers are the answer.
        var text = contentType.StartsWith("text/event-stream") ? "" : await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        // A problem may repeat the ids the caller sent: that tells the caller nothing new.
        var sent = url + (body is null ? "" : await request.Content!.ReadAsStringAsync());
        foreach (System.Text.RegularExpressions.Match id in System.Text.RegularExpressions.Regex.Matches(sent, "[0-9a-f]{8}-[0-9a-f-]{27}"))
            text = text.Replace(id.Value, "(sent id)", StringComparison.OrdinalIgnoreCase);
        if (status >= 400)
        {
            var after = await EventCount(api.Tenant);
            if (after != before) text += $" [refused, yet {after - before} event(s) appended]";
        }
        return (status, text, contentType);
    }

    private async Task<long> EventCount(string tenant)
    {
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("select count(*) from contracttherapy.mt_events where tenant_id = @t", connection);
        cmd.Parameters.AddWithValue("t", tenant);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private static IEnumerable<string> Leaks(World world, string role, Scope scope, string text)
    {
        var hidden = scope == Scope.OtherTenant ? world.TenantSecrets
            : role == "contractor" ? world.HiddenFromContractor
            : role == "agency" ? world.HiddenFromAgency
            : [];
        return hidden.Where(h => text.Contains(h, StringComparison.OrdinalIgnoreCase));
    }

    public static async Task<HashSet<string>> EndpointsOfTheOpenApiDocument(Api api)
    {
        var document = (await api.Send(HttpMethod.Get, "/openapi/v1.json", null, token: null)).ShouldBe(200).Json;
        var endpoints = new HashSet<string>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        foreach (var (method, _) in item!.AsObject())
            if (method is "get" or "put" or "post" or "delete" or "patch")
                endpoints.Add($"{method.ToUpperInvariant()} {path}");
        return endpoints;
    }

    /// <summary>One line per row, so that a new endpoint's row is one line of the diff.</summary>
    private static string Format(JsonObject rows)
    {
        var sb = new StringBuilder();
        sb.Append("{\n  \"cells\": \"per role: the status for the caller's own record, another record of the same tenant, the same ids asked by another tenant\",\n");
        sb.Append("  \"endpoints\": {\n");
        var lines = rows.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"    {JsonSerializer.Serialize(r.Key)}: {r.Value!.ToJsonString()}");
        sb.Append(string.Join(",\n", lines));
        sb.Append("\n  }\n}\n");
        return sb.ToString();
    }
}

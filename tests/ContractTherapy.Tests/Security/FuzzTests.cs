using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ContractTherapy.Tests.Infrastructure;
using Npgsql;

namespace ContractTherapy.Tests.Security;

/// <summary>
/// Requests generated from the OpenAPI document against every endpoint with valid tokens of
/// every role: path ids of real records, random and malformed ids; query values and JSON bodies
/// built from the schemas, some fields mutated (wrong type, null, huge, control characters,
/// out-of-range numbers and dates), some bodies malformed or of the wrong media type. No answer
/// may be 5xx, every 4xx is problem details naming none of the product's types (every 400 the API's validation problem), a refused request appends no event and changes no document (but
/// those that change by themselves: see <c>Volatile</c>).
/// CT_FUZZ_COUNT requests (300 by default; ops/chaos/fuzz.sh runs 10,000) from seed CT_FUZZ_SEED;
/// CT_FUZZ_REPORT names a file that receives the figures.
/// </summary>
public sealed class FuzzTests(AppFixture app) : IntegrationTest(app)
{
    private static readonly string[] Nasty =
    [
        "", " ", "null", "0", "-1", "1e400", "NaN", "true", "[]", "{}", "%00", "\u0000", "a\u0000b", "\u202e\u0007", "../../etc/passwd",
        "' or 1=1 --", "<script>alert(1)</script>", "ﾟ･✿ヾ╲(｡◕‿◕｡)╱✿･ﾟ", "\ud83d\ude00", "9999-99-99", "2026-02-30", "0001-01-01", "9999-12-31",
        "00000000-0000-0000-0000-000000000000", "2026-13-01T00:00:00Z", new string('x', 5000), "\t\r\n",
    ];

    [Fact]
    public async Task generated_requests_get_no_5xx_only_problem_details_and_no_events_when_refused()
    {
        var count = int.Parse(Environment.GetEnvironmentVariable("CT_FUZZ_COUNT") ?? "300", CultureInfo.InvariantCulture);
        var seed = int.Parse(Environment.GetEnvironmentVariable("CT_FUZZ_SEED") ?? "20261125", CultureInfo.InvariantCulture);
        var random = new Random(seed);
        var document = (await Api.Send(HttpMethod.Get, "/openapi/v1.json", null, token: null)).ShouldBe(200).Json;
        var schemas = document["components"]!["schemas"]!.AsObject();
        var operations = (from path in document["paths"]!.AsObject()
                          from op in path.Value!.AsObject()
                          where op.Key is "get" or "put" or "post" or "delete"
                          select (Method: op.Key.ToUpperInvariant(), Path: path.Key, Operation: op.Value!)).ToList();
        operations.Count.ShouldBeGreaterThan(40);
        var world = await Api.TwoOfEverything();
        var generator = new ValueGenerator(random, schemas, world);

        var failures = new List<string>();
        int acceptedChanging = 0, docChanges = 0, fiveXx = 0, notProblem = 0, internalNames = 0, refusedWithEvents = 0, refused = 0;
        var byStatus = new SortedDictionary<int, int>();
        using var client = App.Host.Server.CreateClient();
        for (var i = 0; i < count; i++)
        {
            var (method, path, operation) = operations[random.Next(operations.Count)];
            var role = random.Next(3) == 0 ? AuthorizationMatrixTests.RoleOrder[random.Next(7)] : "owner";
            using var request = generator.Request(method, path, operation);
            var token = await Api.Token(role, role == "contractor" ? world.Ids["contractor"].Own : null, role == "agency" ? world.Ids["agency"].Own : null);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var idempotencyKey = random.Next(10) == 0 ? generator.AnyString() : null;
            if (idempotencyKey is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
            var sentBody = request.Content is null ? "" : await request.Content.ReadAsStringAsync();
            var what = $"#{i} {method} {request.RequestUri} as {role}" +
                       (idempotencyKey is null ? "" : $" Idempotency-Key {System.Text.Json.JsonSerializer.Serialize(Excerpt(idempotencyKey))}") +
                       $" body {Excerpt(sentBody)}";

            var before = await EventCount();
            var docsBefore = await DocState();
            HttpResponseMessage? sent = null;
            try
            {
                if (method == "GET") sent = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                else // A write's messages are handled before the next request counts events.
                    await Wolverine.Tracking.WolverineHostMessageTrackingExtensions.TrackActivity(App.Host)
                        .Timeout(TimeSpan.FromSeconds(30)).DoNotAssertOnExceptionsDetected()
                        .ExecuteAndWaitAsync((Func<Wolverine.IMessageContext, Task>)(async _ => sent = await client.SendAsync(request)));
            }
            catch (Exception e)
            {
                fiveXx++;
                failures.Add($"{what}: threw {e.GetType().Name}: {e.Message}");
                continue;
            }
            using var response = sent!;
            var status = (int)response.StatusCode;
            byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
            var contentType = response.Content.Headers.ContentType?.ToString() ?? "";
            var text = contentType.StartsWith("text/event-stream") ? "" : await response.Content.ReadAsStringAsync();
            if (status >= 500)
            {
                fiveXx++;
                failures.Add($"{what}: {status} {Excerpt(text)} (full body: {sentBody})");
            }
            if (status is >= 200 and < 300 && method != "GET" && await DocState() != docsBefore) acceptedChanging++;
            if (status is >= 400 and < 500)
            {
                refused++;
                if (!contentType.StartsWith("application/problem+json"))
                {
                    notProblem++;
                    failures.Add($"{what}: {status} is not problem details ({contentType}) {Excerpt(text)}");
                }
                // A refusal speaks the API's words: Wolverine's own reader named the request's CLR type (JsonBodyShape), and
                // its query check answered without 'errors' (QueryValueTypes). The Stripe webhook's 400s are Stripe's.
                if (text.Contains("ContractTherapy.", StringComparison.Ordinal)
                    || status == 400 && !path.StartsWith("/api/webhooks/", StringComparison.Ordinal)
                       && !text.Contains("\"type\":\"https://contracttherapy.dev/problems/validation\"", StringComparison.Ordinal))
                {
                    internalNames++;
                    failures.Add($"{what}: {status} is not the API's validation problem or names one of the product's types {Excerpt(text)}");
                }
                var after = await EventCount();
                if (after != before)
                {
                    refusedWithEvents++;
                    failures.Add($"{what}: refused with {status}, yet {after - before} event(s) appended");
                }
                var docsAfter = await DocState();
                if (docsAfter != docsBefore)
                {
                    docChanges++;
                    failures.Add($"{what}: refused with {status}, yet documents changed: {Diff(docsBefore, docsAfter)} answer {Excerpt(text)}");
                }
            }
        }

        var report = $"fuzz: seed {seed}, {count} requests, {fiveXx} 5xx, {notProblem} 4xx without problem details, {internalNames} not in the API's words, " +
                     $"{refused} refused of which {refusedWithEvents} appended events, {docChanges} changed documents ({acceptedChanging} accepted writes changed documents); statuses {string.Join(", ", byStatus.Select(s => $"{s.Key}: {s.Value}"))}";
        Console.WriteLine(report);
        if (Environment.GetEnvironmentVariable("CT_FUZZ_REPORT") is { Length: > 0 } file)
            await File.WriteAllTextAsync(file, report + "\n" + string.Join("\n", failures.Take(200)) + "\n");
        failures.ShouldBeEmpty(report + "\n" + string.Join("\n", failures.Take(50)));
    }

    private static string Excerpt(string text) => text.Length <= 300 ? text : text[..300] + "...";

    /// <summary>
    /// Documents that change without the request changing anything: the PHI access log (reads are logged), idempotency
    /// reservations (released when refused), the audit chain and the 1099 totals (written in the background).
    /// </summary>
    private static readonly string[] Volatile = ["mt_doc_phiaccess", "mt_doc_idempotentrequest", "mt_doc_chainlink", "mt_doc_contractortaxyear"];
    private string? docQuery;

    private static string Diff(string a, string b)
    {
        var x = a.Split(';'); var y = b.Split(';');
        return string.Join("; ", x.Zip(y).Where(p => p.First != p.Second).Select(p => p.First + " -> " + p.Second));
    }

    private async Task<string> DocState()
    {
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        if (docQuery is null)
        {
            var parts = new List<string>();
            await using (var list = new NpgsqlCommand("select t.table_name, exists(select 1 from information_schema.columns c where c.table_schema = t.table_schema and c.table_name = t.table_name and c.column_name = 'tenant_id') from information_schema.tables t where t.table_schema = 'contracttherapy' and t.table_name like 'mt_doc_%' order by 1", connection))
            await using (var reader = await list.ExecuteReaderAsync())
                while (await reader.ReadAsync())
                {
                    var table = reader.GetString(0);
                    if (Volatile.Contains(table)) continue;
                    var where = reader.GetBoolean(1) ? " where tenant_id = @t" : "";
                    parts.Add($"select '{table}' || ':' || count(*) || ':' || coalesce(max(mt_last_modified)::text, '') || ':' || coalesce(sum(hashtext(data::text))::text, '') as s from contracttherapy.{table}{where}");
                }
            docQuery = "select string_agg(s, ';' order by s) from (" + string.Join(" union all ", parts) + ") x";
        }
        await using var cmd = new NpgsqlCommand(docQuery, connection);
        cmd.Parameters.AddWithValue("t", Api.Tenant);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task<long> EventCount()
    {
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("select count(*) from contracttherapy.mt_events where tenant_id = @t", connection);
        cmd.Parameters.AddWithValue("t", Api.Tenant);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Values from the OpenAPI schemas, valid most of the time and hostile the rest.</summary>
    private sealed class ValueGenerator(Random random, JsonObject schemas, World world)
    {
        private bool Chance(int percent) => random.Next(100) < percent;

        private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

        public string AnyString() => Chance(50) ? Pick(Nasty) : $"fuzz-{random.Next(1_000_000)}";

        public HttpRequestMessage Request(string method, string path, JsonNode operation)
        {
            var segments = path.Split('/');
            for (var i = 0; i < segments.Length; i++)
                if (segments[i].StartsWith('{'))
                    // No NUL in a path: TestServer's client refuses to send one (Kestrel answers such a request 400 itself).
                    segments[i] = Uri.EscapeDataString(PathValue(segments[i].Trim('{', '}'), i > 0 ? segments[i - 1] : "").Replace("\0", ""));
            var query = new List<string>();
            foreach (var parameter in operation["parameters"]?.AsArray() ?? [])
            {
                if (parameter!["in"]?.GetValue<string>() != "query" || !Chance(40)) continue;
                var value = Chance(75) ? Scalar(parameter["schema"]!) : AnyString();
                query.Add($"{Uri.EscapeDataString(parameter["name"]!.GetValue<string>())}={Uri.EscapeDataString(value)}");
            }
            var url = string.Join('/', segments) + (query.Count > 0 ? "?" + string.Join('&', query) : "");
            var request = new HttpRequestMessage(new HttpMethod(method), url);

            var bodySchema = operation["requestBody"]?["content"]?["application/json"]?["schema"];
            if (bodySchema is not null || Chance(5))
            {
                var roll = random.Next(100);
                string text = roll switch
                {
                    < 5 => "{\"truncated\": ",
                    < 8 => "",
                    < 10 => "[1,2,3]",
                    < 12 => "null", // the literal reached the endpoint as a null request and answered 500 until 2026-12-07
                    _ => bodySchema is null ? "{}" : (Value(bodySchema, 0) ?? JsonValue.Create((string?)null))?.ToJsonString() ?? "null",
                };
                var mediaType = Chance(4) ? Pick(new[] { "text/plain", "application/xml", "multipart/form-data" }) : "application/json";
                request.Content = new StringContent(text, Encoding.UTF8, mediaType);
            }
            return request;
        }

        private string PathValue(string name, string before) => name switch
        {
            "year" => Chance(70) ? random.Next(2020, 2031).ToString(CultureInfo.InvariantCulture) : Pick(new[] { "0", "-1", "99999", "2147483648", "abc", AnyString() }),
            "kind" => Chance(80) ? Pick(new[] { "invoice", "paystub", "1099" }) : AnyString(),
            _ => Id(name == "agencyId" ? "agency" : before switch
            {
                "agencies" => "agency",
                "contractors" or "streams" => "contractor",
                "visits" => "visit",
                "cycles" => "cycle",
                "paystubs" => "paystub",
                "payments" => "payment",
                _ => "invoice",
            }),
        };

        private string Id(string kind) => random.Next(100) switch
        {
            < 60 => world.Ids[kind].Own.ToString(),
            < 75 => world.Ids[kind].Other.ToString(),
            < 85 => Guid.NewGuid().ToString(),
            _ => AnyString() is { Length: > 0 } s ? s : "x",
        };

        private JsonNode Resolve(JsonNode schema)
        {
            while (schema["$ref"] is { } reference)
                schema = schemas[reference.GetValue<string>().Split('/')[^1]]!;
            return schema;
        }

        private string Scalar(JsonNode schema) => Value(schema, 0) switch
        {
            null => "",
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            var v => v.ToJsonString(),
        };

        /// <summary>A value for the schema; 1 in 8 replaced by something of the wrong shape.</summary>
        private JsonNode? Value(JsonNode schema, int depth)
        {
            if (depth > 0 && Chance(12)) return Hostile();
            schema = Resolve(schema);
            if (schema["oneOf"] is JsonArray options)
            {
                var choices = options.Where(o => Resolve(o!)["type"]?.ToString() != "null").ToList();
                if (choices.Count == 0 || Chance(5)) return null;
                return Value(Pick(choices)!, depth + 1);
            }
            if (schema["enum"] is JsonArray values)
            {
                // An optional enumerated input lists null among its values.
                var value = values[random.Next(values.Count)];
                if (value is null) return null;
                return Chance(90) ? JsonValue.Create(Casing(value.GetValue<string>())) : JsonValue.Create(AnyString());
            }
            var types = schema["type"] switch
            {
                JsonArray a => a.Select(t => t!.GetValue<string>()).Where(t => t != "null").ToList(),
                JsonValue v => [v.GetValue<string>()],
                _ => new List<string> { "object" },
            };
            if (types.Count == 0 || (schema["type"] is JsonArray && Chance(3))) return null;
            var type = types.Contains("number") ? "number" : types.Contains("integer") ? "integer" : Pick(types);
            var format = schema["format"]?.GetValue<string>();
            switch (type)
            {
                case "object":
                    var obj = new JsonObject();
                    if (schema["properties"] is JsonObject properties && depth < 6)
                        foreach (var (name, property) in properties)
                            if (Chance(92)) obj[name] = Value(property!, depth + 1);
                    return obj;
                case "array":
                    var array = new JsonArray();
                    var n = Chance(3) ? random.Next(500, 700) : random.Next(0, 4);
                    for (var i = 0; i < n && schema["items"] is { } items; i++) array.Add(Value(items, depth + 1));
                    return array;
                case "boolean":
                    return JsonValue.Create(Chance(50));
                case "integer":
                    return JsonValue.Create(random.Next(100) switch
                    {
                        < 70 => random.Next(-2, 100),
                        < 85 => random.NextInt64(int.MinValue, int.MaxValue),
                        _ => Pick(new[] { int.MaxValue, int.MinValue, 0L, long.MaxValue, 2020, 2026 }),
                    });
                case "number":
                    return random.Next(100) switch
                    {
                        < 70 => JsonValue.Create(Math.Round((decimal)random.NextDouble() * 500m, random.Next(0, 4))),
                        < 85 => JsonValue.Create(Pick(new[] { -1m, 0m, 0.001m, 79228162514264337593543950335m, 1_000_000_000m, 999999999.99m })),
                        _ => JsonNode.Parse(Pick(new[] { "1e300", "-1e300", "1e-300", "123456789012345678901234567890" })),
                    };
                default:
                    return JsonValue.Create(format switch
                    {
                        "uuid" => Chance(80) ? Pick(world.Ids.Values.SelectMany(p => new[] { p.Own, p.Other }).ToList()).ToString() : Guid.NewGuid().ToString(),
                        "date" => Chance(85) ? new DateOnly(2026, 1, 1).AddDays(random.Next(-400, 400)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : Pick(Nasty),
                        "date-time" => Chance(85) ? new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(random.Next(-500_000, 500_000)).ToString("o") : Pick(Nasty),
                        _ => random.Next(100) switch
                        {
                            < 60 => $"Fuzz {random.Next(100_000)}",
                            < 70 => $"fuzz{random.Next(1000)}@example.com",
                            _ => Pick(Nasty),
                        },
                    });
            }
        }

        private string Casing(string value) => random.Next(10) switch
        {
            0 => value.ToUpperInvariant(),
            1 => value.ToLowerInvariant(),
            _ => value,
        };

        private JsonNode? Hostile() => random.Next(7) switch
        {
            0 => null,
            1 => JsonValue.Create(Pick(Nasty)),
            2 => JsonValue.Create(random.NextInt64()),
            3 => JsonNode.Parse("1e999") ?? JsonValue.Create(0),
            4 => new JsonArray(JsonValue.Create(1), JsonValue.Create("x")),
            5 => new JsonObject { ["nested"] = JsonValue.Create("x") },
            _ => JsonValue.Create(true),
        };
    }
}

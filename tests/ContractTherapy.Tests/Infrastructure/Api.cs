using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;

namespace ContractTherapy.Tests.Infrastructure;

/// <summary>What the API answered: status, headers and the JSON body (if any).</summary>
public sealed record Reply(int Status, string Body, IReadOnlyDictionary<string, string> Headers)
{
    public JsonNode Json => JsonNode.Parse(Body) ?? throw new InvalidOperationException("empty body");

    public Guid Id => Guid.Parse(Json["id"]!.GetValue<string>());

    public string Header(string name) => Headers.TryGetValue(name, out var v) ? v : "";

    /// <summary>The field errors of a validation problem.</summary>
    public IReadOnlyList<string> ErrorFields => Json["errors"]?.AsObject().Select(e => e.Key).ToList() ?? [];

    public Reply ShouldBe(int status)
    {
        Status.ShouldBe(status, Body);
        return this;
    }

    public Reply ShouldBeProblem(int status, params string[] fields)
    {
        Status.ShouldBe(status, Body);
        Headers["Content-Type"].ShouldStartWith("application/problem+json");
        foreach (var field in fields) ErrorFields.ShouldContain(field, Body);
        return this;
    }
}

/// <summary>
/// Talks to the real host as one tenant's users do. Bodies are sent as the exact JSON text
/// given (objects are serialized camelCase), so tests control numbers and malformed input.
/// </summary>
public sealed class Api(IAlbaHost host, string tenant)
{
    private static readonly JsonSerializerOptions Camel = new(JsonSerializerDefaults.Web);
    private readonly Dictionary<string, string> _tokens = new();

    public string Tenant => tenant;

    public IAlbaHost Host => host;

    public async Task<string> Token(string role, Guid? contractorId = null, Guid? agencyId = null, string? sub = null)
    {
        var cacheKey = $"{role}|{contractorId}|{agencyId}|{sub}";
        if (_tokens.TryGetValue(cacheKey, out var cached)) return cached;
        var reply = await Send(HttpMethod.Post, "/dev/token", new { tenant, role, contractorId, agencyId, sub }, token: null);
        reply.ShouldBe(200);
        return _tokens[cacheKey] = reply.Json["token"]!.GetValue<string>();
    }

    public Task<Reply> Get(string url, string role = "owner", Guid? contractorId = null, Guid? agencyId = null) =>
        As(HttpMethod.Get, url, null, role, contractorId, agencyId);

    public Task<Reply> Post(string url, object? body = null, string role = "owner", Guid? contractorId = null, Guid? agencyId = null,
        string? idempotencyKey = null) =>
        As(HttpMethod.Post, url, body, role, contractorId, agencyId, idempotencyKey);

    public Task<Reply> Put(string url, object? body, string role = "owner", Guid? contractorId = null, Guid? agencyId = null,
        string? idempotencyKey = null) =>
        As(HttpMethod.Put, url, body, role, contractorId, agencyId, idempotencyKey);

    public Task<Reply> Delete(string url, string role = "owner") => As(HttpMethod.Delete, url, null, role, null, null);

    public async Task<Reply> As(HttpMethod method, string url, object? body, string role, Guid? contractorId, Guid? agencyId,
        string? idempotencyKey = null) =>
        await Send(method, url, body, await Token(role, contractorId, agencyId), idempotencyKey);

    public async Task<Reply> Send(HttpMethod method, string url, object? body, string? token, string? idempotencyKey = null,
        IDictionary<string, string>? headers = null)
    {
        var bytes = body switch
        {
            null => null,
            byte[] raw => raw,
            string s => Encoding.UTF8.GetBytes(s),
            _ => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(body, Camel)),
        };
        var result = await host.Scenario(s =>
        {
            _ = method.Method switch
            {
                "GET" => s.Get.Url(url),
                "POST" => s.Post.Url(url),
                "PUT" => s.Put.Url(url),
                "DELETE" => s.Delete.Url(url),
                _ => throw new ArgumentOutOfRangeException(nameof(method)),
            };
            s.ConfigureHttpContext(c =>
            {
                if (bytes is not null)
                {
                    c.Request.Body = new MemoryStream(bytes);
                    c.Request.ContentType = "application/json";
                    c.Request.ContentLength = bytes.Length;
                }
            });
            if (token is not null) s.WithRequestHeader("Authorization", new AuthenticationHeaderValue("Bearer", token).ToString());
            if (idempotencyKey is not null) s.WithRequestHeader("Idempotency-Key", idempotencyKey);
            foreach (var (k, v) in headers ?? new Dictionary<string, string>()) s.WithRequestHeader(k, v);
            s.IgnoreStatusCode();
        });
        var response = result.Context.Response;
        var text = await result.ReadAsTextAsync();
        var responseHeaders = response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        return new Reply(response.StatusCode, text, responseHeaders);
    }
}

using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace ContractTherapy.Chaos;

/// <summary>
/// A scenario's laboratory: its own PostgreSQL cluster (ops/postgres.sh, a temporary folder) and
/// database, and the host processes it starts. Disposing stops every host and the cluster and
/// removes the folder. Hosts are real processes of the Release build (ops/chaos/run.sh builds it),
/// so a SIGKILL is a real crash.
/// </summary>
public sealed class Lab : IAsyncDisposable
{
    public static readonly string Root = FindRoot();
    public string DataDir { get; }
    public int PgPort { get; }
    public string Database { get; }
    public string ConnectionString => $"Host=127.0.0.1;Port={PgPort};Username=postgres;Database={Database}";
    private readonly List<HostNode> _hosts = [];

    private Lab(string dataDir, int pgPort, string database) => (DataDir, PgPort, Database) = (dataDir, pgPort, database);

    /// <summary>Starts a cluster on <paramref name="pgPort"/> (CT_CHAOS_PG_PORT overrides) with an empty database.</summary>
    public static async Task<Lab> StartAsync(string name, int pgPort)
    {
        var port = int.TryParse(Environment.GetEnvironmentVariable("CT_CHAOS_PG_PORT"), out var p) ? p : pgPort;
        var dir = Directory.CreateTempSubdirectory($"contracttherapy-chaos-{name}.").FullName;
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        var lab = new Lab(dir, port, "chaos");
        await lab.StartDatabaseAsync();
        await Shell("ops/postgres.sh", "createdb", dir, port.ToString(), lab.Database);
        return lab;
    }

    public Task StartDatabaseAsync() => Shell("ops/postgres.sh", "start", DataDir, PgPort.ToString());
    public Task StopDatabaseAsync() => Shell("ops/postgres.sh", "stop", DataDir);

    /// <summary>Starts a host on <paramref name="httpPort"/> and waits for /health/ready.</summary>
    public async Task<HostNode> StartHostAsync(int httpPort, IReadOnlyDictionary<string, string>? settings = null, string? name = null)
    {
        var host = new HostNode(this, name ?? $"host-{httpPort}", httpPort, settings ?? new Dictionary<string, string>());
        _hosts.Add(host);
        await host.StartAsync();
        return host;
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var parameter in parameters) cmd.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>The sequence of the newest event in the store (0 when empty).</summary>
    public Task<long> LastEventAsync() => ScalarAsync<long>("select coalesce(max(seq_id), 0) from contracttherapy.mt_events");

    public async Task<List<T>> ColumnAsync<T>(string sql, params object[] parameters)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var parameter in parameters) cmd.Parameters.Add(new NpgsqlParameter { Value = parameter });
        await using var reader = await cmd.ExecuteReaderAsync();
        var values = new List<T>();
        while (await reader.ReadAsync()) values.Add(reader.GetFieldValue<T>(0));
        return values;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts) host.Kill();
        NpgsqlConnection.ClearAllPools();
        await StopDatabaseAsync();
        if (Environment.GetEnvironmentVariable("CT_CHAOS_KEEP") != "1") Directory.Delete(DataDir, recursive: true);
        else Log.Line($"kept {DataDir}");
    }

    public static async Task Shell(string command, params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(Root, command)) { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{command} {string.Join(' ', args)} exited {process.ExitCode}: {await output}{await error}");
    }

    public static string Commit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD") { WorkingDirectory = Root, RedirectStandardOutput = true })!;
            var sha = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return sha;
        }
        catch (Exception) { return "unknown"; }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ContractTherapy.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}

/// <summary>
/// One host process (the Release build) on its own port. <see cref="Kill"/> is SIGKILL: no
/// shutdown hooks, no flushed buffers, exactly what a crash or an OOM kill does.
/// <see cref="StartAsync"/> starts it again with the same settings. Its output goes to a log
/// file in the lab's folder, kept for a failed run's post-mortem (CT_CHAOS_KEEP=1).
/// </summary>
public sealed class HostNode(Lab lab, string name, int port, IReadOnlyDictionary<string, string> settings)
{
    private Process? _process;
    public string Name => name;
    public string Url => $"http://127.0.0.1:{port}";
    public int Port => port;
    public string LogFile => Path.Combine(lab.DataDir, $"{name}.log");
    public bool Running => _process is { HasExited: false };
    public int Starts { get; private set; }

    public async Task StartAsync(TimeSpan? timeout = null)
    {
        var dll = Path.Combine(Lab.Root, "src/Host/bin/Release/net10.0/ContractTherapy.Host.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"{dll} is missing: build the host in Release first (ops/chaos/run.sh does).");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = Url;
        start.Environment["ASPNETCORE_CONTENTROOT"] = Path.GetDirectoryName(dll)!;
        start.Environment["Auth__DevTokens"] = "true";
        start.Environment["ConnectionStrings__Postgres"] = lab.ConnectionString;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings) start.Environment[key] = value;

        _process = Process.Start(start)!;
        Starts++;
        var log = new StreamWriter(LogFile, append: true) { AutoFlush = true };
        await log.WriteLineAsync($"---- start {Starts} at {DateTime.UtcNow:O} (pid {_process.Id})");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitReadyAsync(timeout ?? TimeSpan.FromSeconds(60));
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process is { HasExited: true }) throw new InvalidOperationException($"{name} exited with {_process.ExitCode}; see {LogFile}");
            try
            {
                if ((await http.GetAsync($"{Url}/health/ready")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{name} was not ready within {timeout.TotalSeconds} s; see {LogFile}");
    }

    /// <summary>SIGKILL (Process.Kill on Unix sends SIGKILL), then waits until the process is gone.</summary>
    public void Kill()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }
}

/// <summary>The API as a client sees it: dev tokens per tenant and role, JSON in and out.</summary>
public sealed class Api(string baseUrl, TimeSpan? timeout = null)
{
    public HttpClient Http { get; } = new() { BaseAddress = new Uri(baseUrl), Timeout = timeout ?? TimeSpan.FromSeconds(30) };
    private readonly Dictionary<(string, string, Guid?), string> _tokens = [];

    /// <summary>A dev token (POST /dev/token) for the tenant and role; cached.</summary>
    public async Task<string> TokenAsync(string tenant, string role, Guid? contractorId = null)
    {
        if (_tokens.TryGetValue((tenant, role, contractorId), out var cached)) return cached;
        var body = new Dictionary<string, object?> { ["tenant"] = tenant, ["role"] = role };
        if (contractorId is not null) body["contractorId"] = contractorId;
        var response = await Http.PostAsJsonAsync("/dev/token", body);
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonObject>())!["token"]!.GetValue<string>();
        return _tokens[(tenant, role, contractorId)] = token;
    }

    public async Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, string token,
        object? body = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (body is not null) request.Content = JsonContent.Create(body);
        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        if (text.Length > 0 && (response.Content.Headers.ContentType?.MediaType?.Contains("json") ?? false))
            try { json = JsonNode.Parse(text); } catch (JsonException) { }
        return ((int)response.StatusCode, json, response);
    }

    /// <summary>
    /// A request that must succeed whatever the chaos: retried (for up to 3 minutes) while the host is
    /// down or restarting (a 5xx or no answer); any other non-2xx throws with the problem details.
    /// </summary>
    public Task<JsonNode?> MustAsync(HttpMethod method, string path, string token, object? body = null, string? idempotencyKey = null) =>
        RetryAsync(async () =>
        {
            var (status, json, _) = await SendAsync(method, path, token, body, idempotencyKey);
            if (status >= 500) throw new HttpRequestException($"{method} {path} answered {status}");
            if (status is < 200 or > 299) throw new InvalidOperationException($"{method} {path} answered {status}: {json?.ToJsonString()}");
            return json;
        });

    /// <summary>Every item of a paged list (<c>items</c>, <c>total</c>), 500 a page, each page through <see cref="MustAsync"/>.</summary>
    public async Task<List<JsonNode>> AllPagesAsync(string token, string path)
    {
        var all = new List<JsonNode>();
        for (var page = 1; ; page++)
        {
            var reply = await MustAsync(HttpMethod.Get, $"{path}{(path.Contains('?') ? '&' : '?')}page={page}&pageSize=500", token);
            var items = reply!["items"]!.AsArray();
            all.AddRange(items.Select(i => i!));
            if (all.Count >= reply["total"]!.GetValue<int>() || items.Count == 0) return all;
        }
    }

    /// <summary>Runs <paramref name="action"/> again every 250 ms while it fails to reach the host, for up to 3 minutes.</summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> action)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            try
            {
                return await action();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }
    }

    /// <summary>Sends and requires a 2xx; throws with the problem details otherwise.</summary>
    public async Task<JsonNode?> OkAsync(HttpMethod method, string path, string token, object? body = null, string? idempotencyKey = null)
    {
        var (status, json, _) = await SendAsync(method, path, token, body, idempotencyKey);
        if (status is < 200 or > 299) throw new InvalidOperationException($"{method} {path} answered {status}: {json?.ToJsonString()}");
        return json;
    }
}

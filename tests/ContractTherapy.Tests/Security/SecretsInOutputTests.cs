using System.Collections;
using System.Diagnostics;
using System.Text;
using ContractTherapy.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry.Trace;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;
using static ContractTherapy.Tests.Infrastructure.CycleScenarios;
using static ContractTherapy.Tests.Infrastructure.PaymentScenarios;

namespace ContractTherapy.Tests.Security;

/// <summary>
/// A host of its own that logs at Debug level into memory and exports its traces into memory
/// (OpenTelemetry's in-memory exporter), on a database of its own, so that all three can be
/// searched whole after a run.
/// </summary>
public sealed class TelemetryFixture : AppFixture
{
    public CapturedLogs Logs { get; } = new();
    public LockedList<Activity> Spans { get; } = new();

    protected override void Configure(IWebHostBuilder builder)
    {
        foreach (var category in new[] { "Default", "Microsoft", "Microsoft.AspNetCore", "Microsoft.Hosting.Lifetime", "Wolverine", "Wolverine.Postgresql", "Marten", "Weasel", "Npgsql", "System.Net.Http" })
            builder.UseSetting($"Logging:LogLevel:{category}", "Debug");
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        builder.UseSetting("Telemetry:Traces", "true"); // spans are recorded only for an exporter
        builder.ConfigureServices(services => services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(Spans)));
    }
}

[CollectionDefinition(Name)]
public sealed class TelemetryCollection : ICollectionFixture<TelemetryFixture>
{
    public const string Name = "telemetry";
}

[Collection(TelemetryCollection.Name)]
public sealed class SecretsInOutputTests(TelemetryFixture app)
{
    private const string Tin = "987-65-4329";
    private static readonly string[] Needles = ["Zebulon", "Quartermaine", "ZQ-998877", "Xylophone", "Ignatius", "Wolfeschlegel", "MRN-IW-4242", Tin, "987654329"];

    [Fact]
    public async Task no_patient_name_mrn_or_tin_reaches_the_database_dump_the_debug_log_or_the_traces()
    {
        var api = new Api(app.Host, $"t-{Guid.NewGuid():N}");
        await api.CyclesFrom("2026-03-02");
        var agency = await api.RegisteredAgency("Sunrise HH");
        await api.SetBillRates(agency, "2026-01-01", Rate("PT", "Routine", 95m), Rate("PT", "Evaluation", 150m));
        var dana = await api.PlacedContractor(agency, "Dana Kim");
        await api.SetPayRates(dana, "2026-01-01", Rate("PT", "Routine", 70m), Rate("PT", "Evaluation", 110m));
        await api.MakePayable(dana, tin: Tin);
        (await api.Get($"/api/contractors/{dana}")).ShouldBe(200);

        var visit = (await api.LogVisit(Visit(dana, agency, "2026-03-03", "Evaluation", patientName: "Zebulon Quartermaine", mrn: "ZQ-998877",
            notes: "Xylophone therapy"), idempotencyKey: "phi-scan-1")).ShouldBe(201).Id;
        (await api.LogVisit(Visit(dana, agency, "2026-03-05", patientName: "Ignatius Wolfeschlegel", mrn: "MRN-IW-4242"), role: "contractor",
            contractorId: dana)).ShouldBe(201);
        (await api.Put($"/api/visits/{visit}", new { patient = new { name = "Zebulon Q Quartermaine", mrn = "ZQ-998877" }, reason = "middle initial" }))
            .ShouldBe(200);
        (await api.Get($"/api/visits/{visit}")).ShouldBe(200);
        (await api.Get("/api/visits?pageSize=10")).ShouldBe(200);
        // Refused requests that carry patient data and a TIN: their errors are logged.
        (await api.LogVisit(Visit(dana, agency, "2099-01-01", patientName: "Zebulon Quartermaine", mrn: "ZQ-998877"))).ShouldBeProblem(422);
        (await api.Post("/api/visits", """{"patient":{"name":"Zebulon Quartermaine","mrn":"ZQ-998877"},"visitDate":12}""")).ShouldBeProblem(400);
        (await api.Put($"/api/contractors/{dana}/w9", """{"tinType":"SSN","tin":"987-65-4329","legalName":"Dana Kim","taxClassification":"nonsense"}"""))
            .ShouldBeProblem(400);
        // Bodies that are not JSON, broken by a bad literal: System.Text.Json's message for one repeats the rest of the body.
        foreach (var (path, body) in new[]
        {
            ("/api/visits", $$"""{"contractorId":t,"agencyId":"{{agency}}","patient":{"name":"Zebulon Quartermaine","mrn":"ZQ-998877"},"visitDate":"2026-03-04"}"""),
            ($"/api/contractors/{dana}/w9", """{"tinType":nSSN,"tin":"987-65-4329","legalName":"Dana Kim","taxClassification":"individual"}"""),
        })
        {
            var refused = (path.EndsWith("/w9") ? await api.Put(path, body) : await api.Post(path, body)).ShouldBeProblem(400);
            foreach (var needle in Needles) refused.Body.ShouldNotContain(needle, Case.Insensitive);
            refused.Json["lineNumber"]!.GetValue<long>().ShouldBe(0);
        }

        var cycle = await api.CloseCurrentCycle();
        var invoice = (await api.Get($"/api/invoices?cycleId={cycle}")).ShouldBe(200).Json["items"]!.AsArray().Single()!.IdOf();
        (await api.Get($"/api/invoices/{invoice}")).ShouldBe(200).Body.ShouldContain("Quartermaine");
        (await api.Get($"/api/invoices/{invoice}/pdf")).ShouldBe(200);
        (await api.ApprovePayRun(cycle)).ShouldBe(202);
        (await api.TaxReport("/api/tax/1099-nec/2026", "accountant")).ShouldBe(200);
        (await api.TaxReport("/api/tax/1099-nec/2026/iris.csv", "accountant")).Status.ShouldBeOneOf(200, 422);
        (await api.Get($"/api/audit/streams/{visit}")).ShouldBe(200);
        (await api.Get($"/api/audit/documents/invoice/{invoice}/lineage", role: "compliance")).ShouldBe(200);

        var dump = await DumpDatabase();
        var logs = app.Logs.Text();
        var spans = SpansText(app.Spans.Snapshot());

        var hits = new List<string>();
        foreach (var needle in Needles)
        {
            var hex = Convert.ToHexString(Encoding.UTF8.GetBytes(needle)).ToLowerInvariant();
            if (dump.Contains(needle, StringComparison.OrdinalIgnoreCase) || dump.Contains(hex)) hits.Add($"the database dump holds {needle}");
            if (logs.Contains(needle, StringComparison.OrdinalIgnoreCase)) hits.Add($"the Debug log holds {needle}: {Around(logs, needle)}");
            if (spans.Contains(needle, StringComparison.OrdinalIgnoreCase)) hits.Add($"the traces hold {needle}: {Around(spans, needle)}");
        }
        hits.AddRange(await PhiScan.SearchAllColumns(app.ConnectionString, Needles));
        hits.ShouldBeEmpty(string.Join("\n", hits));

        // The searches see what they search: what is not secret is found in each.
        dump.ShouldContain("Dana Kim");
        dump.ShouldContain("mt_events");
        app.Logs.DebugEntries.ShouldBeGreaterThan(0);
        logs.ShouldContain("/api/visits");
        spans.ShouldContain("/api/visits");
        spans.ShouldContain("mt_events");
    }

    private static string Around(string text, string needle)
    {
        var at = text.IndexOf(needle, StringComparison.OrdinalIgnoreCase);
        return text.Substring(Math.Max(0, at - 200), Math.Min(text.Length - Math.Max(0, at - 200), 400));
    }

    private async Task<string> DumpDatabase()
    {
        var connection = new NpgsqlConnectionStringBuilder(app.ConnectionString);
        var pgDump = Directory.GetFiles("/usr/lib/postgresql", "pg_dump", SearchOption.AllDirectories).OrderDescending().FirstOrDefault() ?? "pg_dump";
        var start = new ProcessStartInfo(pgDump)
        {
            ArgumentList = { "-h", connection.Host!, "-p", connection.Port.ToString(), "-U", connection.Username ?? "postgres", "-d", connection.Database! },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(0, await error);
        return await output;
    }

    private static string SpansText(IEnumerable<Activity> spans)
    {
        var sb = new StringBuilder();
        foreach (var span in spans)
        {
            sb.Append(span.OperationName).Append(' ').Append(span.DisplayName).Append(' ').Append(span.StatusDescription).Append('\n');
            foreach (var (key, value) in span.TagObjects) sb.Append(key).Append('=').Append(value).Append('\n');
            foreach (var (key, value) in span.Baggage) sb.Append(key).Append('=').Append(value).Append('\n');
            foreach (var e in span.Events)
            {
                sb.Append(e.Name).Append('\n');
                foreach (var (key, value) in e.Tags) sb.Append(key).Append('=').Append(value).Append('\n');
            }
        }
        return sb.ToString();
    }
}

/// <summary>Every log entry as text: category, message, exception, the structured values and the scopes.</summary>
public sealed class CapturedLogs : ILoggerProvider, ISupportExternalScope
{
    private readonly StringBuilder _text = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public int DebugEntries { get; private set; }

    public string Text()
    {
        lock (_text) return _text.ToString();
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private void Write(string category, LogLevel level, string message, object? state, Exception? exception)
    {
        var sb = new StringBuilder().Append(level).Append(' ').Append(category).Append(": ").Append(message);
        if (state is IEnumerable<KeyValuePair<string, object?>> values)
            foreach (var (key, value) in values) sb.Append(" | ").Append(key).Append('=').Append(Render(value));
        _scopes.ForEachScope((scope, b) => b.Append(" | scope ").Append(scope is IEnumerable<KeyValuePair<string, object?>> kv
            ? string.Join(", ", kv.Select(p => $"{p.Key}={Render(p.Value)}")) : scope), sb);
        if (exception is not null) sb.Append('\n').Append(exception);
        lock (_text)
        {
            _text.Append(sb).Append('\n');
            if (level == LogLevel.Debug) DebugEntries++;
        }
    }

    private static string? Render(object? value) => value is IEnumerable items and not string
        ? string.Join(", ", items.Cast<object?>())
        : value?.ToString();

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Write(category, logLevel, formatter(state, exception), state, exception);
    }
}

/// <summary>A collection the exporter adds to from any thread.</summary>
public sealed class LockedList<T> : ICollection<T>
{
    private readonly List<T> _items = [];

    public List<T> Snapshot()
    {
        lock (_items) return [.. _items];
    }

    public void Add(T item)
    {
        lock (_items) _items.Add(item);
    }

    public void Clear()
    {
        lock (_items) _items.Clear();
    }

    public bool Contains(T item)
    {
        lock (_items) return _items.Contains(item);
    }

    public void CopyTo(T[] array, int arrayIndex)
    {
        lock (_items) _items.CopyTo(array, arrayIndex);
    }

    public bool Remove(T item)
    {
        lock (_items) return _items.Remove(item);
    }

    public int Count
    {
        get { lock (_items) return _items.Count; }
    }

    public bool IsReadOnly => false;

    public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

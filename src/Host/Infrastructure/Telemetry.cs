using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ContractTherapy.Host.Infrastructure;

/// <summary>
/// Traces and metrics for ASP.NET Core, HttpClient (Stripe), Npgsql, Marten and Wolverine,
/// exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set. Npgsql spans carry SQL text
/// but never parameter values, so no patient data or TIN reaches a trace.
/// <para>
/// Spans are recorded only when something receives them (an OTLP endpoint, or <c>Telemetry:Traces</c>
/// = true for an exporter added in code, as the tests' in-memory one): listening makes ASP.NET Core,
/// Npgsql, Marten and Wolverine build an <see cref="System.Diagnostics.Activity"/> for every request
/// and statement, which no one read (ops/bench/README.md, "Tracing without an exporter").
/// </para>
/// </summary>
public static class Telemetry
{
    public static void AddContractTherapyTelemetry(this WebApplicationBuilder builder)
    {
        var exporting = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("contracttherapy"));
        if (exporting || builder.Configuration.GetValue<bool>("Telemetry:Traces"))
            otel.WithTracing(t => t
                .AddAspNetCoreInstrumentation(o => o.RecordException = false)
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddSource("Marten")
                .AddSource("Wolverine"));
        otel.WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter("Marten")
                .AddMeter("Wolverine")
                .AddMeter("Npgsql"));
        if (exporting) otel.UseOtlpExporter();
    }
}

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
/// </summary>
public static class Telemetry
{
    public static void AddContractTherapyTelemetry(this WebApplicationBuilder builder)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("contracttherapy"))
            .WithTracing(t => t
                .AddAspNetCoreInstrumentation(o => o.RecordException = false)
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddSource("Marten")
                .AddSource("Wolverine"))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter("Marten")
                .AddMeter("Wolverine")
                .AddMeter("Npgsql"));
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            otel.UseOtlpExporter();
    }
}

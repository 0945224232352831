using ContractTherapy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace ContractTherapy.Tests.Platform;

/// <summary>Spans are recorded only for an exporter (README, Configuration): without one no tracer provider listens.</summary>
public sealed class TracingTests(AppFixture app) : IntegrationTest(app)
{
    [Fact]
    public void without_an_exporter_no_spans_are_recorded()
    {
        App.Host.Services.GetService<TracerProvider>().ShouldBeNull();
        (System.Diagnostics.Activity.Current?.Recorded ?? false).ShouldBeFalse();
    }
}

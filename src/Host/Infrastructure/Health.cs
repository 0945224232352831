using Marten;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ContractTherapy.Host.Infrastructure;

/// <summary>Ready = the database answers and the event store's schema is applied.</summary>
public sealed class DatabaseReadyCheck(IDocumentStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await using var session = store.QuerySession();
            var tables = await session.QueryAsync<int>(
                "select count(*)::int from information_schema.tables where table_schema = ? and table_name = 'mt_events'",
                ct, PersistenceSetup.Schema);
            return tables.Single() == 1
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("The event store schema is not applied.");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The database is not reachable.", e);
        }
    }
}

namespace ContractTherapy.Host.Demo;

public sealed class DemoSeeder : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
}

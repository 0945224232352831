using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using ContractTherapy.Host.Infrastructure;
using ContractTherapy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ContractTherapy.Tests.Platform;

/// <summary>
/// While PostgreSQL is restarting or stopped, every request is a 503 with Retry-After (chaos
/// scenario "database"), never a 500. The handler is fed the exceptions a real outage raises.
/// </summary>
public sealed class DatabaseOutageTests(AppFixture app) : IntegrationTest(app)
{
    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>What opening a connection to a stopped PostgreSQL throws.</summary>
    private static async Task<Exception> RefusedConnection()
    {
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={ClosedPort()};Username=postgres;Pooling=false;Timeout=2");
        return await Should.ThrowAsync<NpgsqlException>(() => connection.OpenAsync());
    }

    private async Task<(int Status, string? RetryAfter, string ContentType, JsonNode Body)> Handle(Exception exception)
    {
        var handler = new ProblemExceptionHandler(App.Host.Services.GetRequiredService<IProblemDetailsService>(),
            NullLogger<ProblemExceptionHandler>.Instance);
        var http = new DefaultHttpContext { RequestServices = App.Host.Services };
        http.Request.Method = "POST";
        http.Request.Path = "/api/visits";
        http.Response.Body = new MemoryStream();
        (await handler.TryHandleAsync(http, exception, CancellationToken.None)).ShouldBeTrue();
        http.Response.Body.Position = 0;
        var text = await new StreamReader(http.Response.Body).ReadToEndAsync();
        return (http.Response.StatusCode, http.Response.Headers.RetryAfter.ToString() is { Length: > 0 } r ? r : null,
            http.Response.ContentType ?? "", JsonNode.Parse(text)!);
    }

    [Fact]
    public async Task a_database_that_refuses_connections_is_a_503_with_retry_after()
    {
        var refused = await RefusedConnection();
        var (status, retryAfter, contentType, body) = await Handle(refused);
        status.ShouldBe(503);
        retryAfter.ShouldBe(ProblemExceptionHandler.DatabaseRetryAfterSeconds.ToString());
        contentType.ShouldStartWith("application/problem+json");
        body["type"]!.GetValue<string>().ShouldBe("https://contracttherapy.dev/problems/unavailable");
        body.ToJsonString().ShouldNotContain("Socket");
    }

    [Fact]
    public async Task the_outage_is_recognised_inside_the_exceptions_that_wrap_it()
    {
        var wrapped = new InvalidOperationException("Marten or Wolverine wrapping", await RefusedConnection());
        (await Handle(wrapped)).Status.ShouldBe(503);
        (await Handle(new AggregateException(new Exception("first"), wrapped))).Status.ShouldBe(503);
    }

    [Theory]
    [InlineData("57P01")] // terminating connection due to administrator command (a restart)
    [InlineData("57P02")] // crash shutdown
    [InlineData("57P03")] // the database system is starting up / shutting down
    public async Task a_server_shutting_down_or_starting_is_a_503(string sqlState)
    {
        (await Handle(new PostgresException("shutting down", "FATAL", "FATAL", sqlState))).Status.ShouldBe(503);
    }

    [Fact]
    public async Task a_real_database_error_is_still_a_500_without_retry_after()
    {
        var (status, retryAfter, _, _) = await Handle(new PostgresException("syntax error", "ERROR", "ERROR", "42601"));
        status.ShouldBe(500);
        retryAfter.ShouldBeNull();
    }
}

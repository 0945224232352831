using JasperFx;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace ContractTherapy.Host.Infrastructure;

/// <summary>
/// Turns what escapes an endpoint into problem details: a concurrency failure is a 409, a bad
/// request body a 400, a database that cannot be reached a 503 with <c>Retry-After</c>, anything
/// else a 500 whose body says nothing about the internals.
/// </summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>Seconds a client waits before retrying while the database is away (a restart takes a few).</summary>
    public const int DatabaseRetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (DatabaseUnreachable(exception))
        {
            // The chaos scenario "database": a restarted or stopped PostgreSQL is a pause, not a bug.
            logger.LogWarning("Database unreachable on {Method} {Path}: {ExceptionType} (trace {TraceId})",
                http.Request.Method, http.Request.Path, Innermost(exception).GetType().FullName, http.TraceIdentifier);
            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            http.Response.Headers.RetryAfter = DatabaseRetryAfterSeconds.ToString();
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                Exception = exception,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status503ServiceUnavailable,
                    Title = "The service is briefly unavailable.",
                    Detail = $"The database cannot be reached right now. Retry in {DatabaseRetryAfterSeconds} s (with the same Idempotency-Key for a write: the retry tells whether it took effect).",
                    Type = "https://contracttherapy.dev/problems/unavailable",
                },
            });
        }

        var problem = exception switch
        {
            ConcurrencyException => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "The data changed while this request was processed.",
                Detail = "Another change to the same record was saved first. Reload and try again.",
                Type = "https://contracttherapy.dev/problems/concurrency",
            },
            // Two requests started the same stream (two closes opening the same next cycle).
            Marten.Exceptions.ExistingStreamIdCollisionException => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "The data changed while this request was processed.",
                Detail = "A concurrent request made the same change first. Reload and check before retrying.",
                Type = "https://contracttherapy.dev/problems/concurrency",
            },
            // A unique key (a duplicate guard, an idempotency reservation) taken by a concurrent request: a document's id,
            // or a declared unique index of it (a visit's held duplicate key). Any other unique index or primary key
            // violated is an error to see, not a 409 (UniqueKeys.Taken).
            _ when ContractTherapy.Shared.Persistence.UniqueKeys.Taken(exception) => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "The request conflicts with one saved at the same moment.",
                Detail = "An identical record was saved by a concurrent request. Reload and check before retrying.",
                Type = "https://contracttherapy.dev/problems/conflict",
            },
            BadHttpRequestException or System.Text.Json.JsonException => new ProblemDetails
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The request body could not be read.",
                Detail = "Send a JSON body of the documented shape.",
                Type = "https://contracttherapy.dev/problems/validation",
            },
            _ => null,
        };
        if (problem is null)
        {
            // Only the type and trace id are logged: messages can carry request data.
            logger.LogError("Unhandled {ExceptionType} on {Method} {Path} (trace {TraceId})",
                exception.GetType().FullName, http.Request.Method, http.Request.Path, http.TraceIdentifier);
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "An unexpected error occurred.",
                Detail = $"The error was recorded with trace id {http.TraceIdentifier}.",
                Type = "https://contracttherapy.dev/problems/internal",
            };
        }
        http.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>
    /// A failure to reach PostgreSQL, wherever it is wrapped (Marten, Wolverine): Npgsql's own
    /// transient verdict (sockets, I/O, timeouts opening a connection or running a command),
    /// a server shutting down or starting (57P01 admin shutdown, 57P02 crash shutdown, 57P03
    /// cannot connect now), or a connection broken underneath (08xxx).
    /// </summary>
    public static bool DatabaseUnreachable(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case Npgsql.PostgresException pg when pg.SqlState is "57P01" or "57P02" or "57P03" || pg.SqlState.StartsWith("08"):
                    return true;
                case Npgsql.PostgresException:
                    return false; // the server answered: a real error, not an outage
                case Npgsql.NpgsqlException { IsTransient: true }:
                    return true;
                case AggregateException aggregate when aggregate.InnerExceptions.Any(DatabaseUnreachable):
                    return true;
            }
        }
        return false;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}

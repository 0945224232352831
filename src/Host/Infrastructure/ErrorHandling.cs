using JasperFx;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace ContractTherapy.Host.Infrastructure;

/// <summary>
/// Turns what escapes an endpoint into problem details: a concurrency failure is a 409, a bad
/// request body a 400, anything else a 500 whose body says nothing about the internals.
/// </summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
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
            // A unique key (a duplicate guard, an idempotency reservation) taken by a concurrent request.
            DocumentAlreadyExistsException => new ProblemDetails
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
}

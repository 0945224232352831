using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ContractTherapy.Shared.Http;

/// <summary>The problem-details answers every module gives the same way (api.md Conventions).</summary>
public static class Problems
{
    public static IResult NotFound(string what, object id) => Results.Problem(new ProblemDetails
    {
        Status = StatusCodes.Status404NotFound,
        Title = $"Unknown {what}.",
        Detail = $"No {what} with id '{id}' exists in this tenant.",
        Type = "https://contracttherapy.dev/problems/not-found",
    });

    /// <summary>An Idempotency-Key already used for another request (422).</summary>
    public static ProblemDetails KeyReused() => new()
    {
        Status = StatusCodes.Status422UnprocessableEntity,
        Title = "Idempotency-Key reused with a different request.",
        Detail = "This Idempotency-Key was already used for a request with another body. Use a new key for a new request.",
        Type = "https://contracttherapy.dev/problems/idempotency-key-reused",
    };

    public static IResult IdempotencyKeyReused() => Results.Problem(KeyReused());

    public static IResult Forbidden(string detail) => Results.Problem(new ProblemDetails
    {
        Status = StatusCodes.Status403Forbidden,
        Title = "Not allowed.",
        Detail = detail,
        Type = "https://contracttherapy.dev/problems/forbidden",
    });

    public static IResult Conflict(string detail, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status409Conflict,
            Title = "The request conflicts with the current state.",
            Detail = detail,
            Type = "https://contracttherapy.dev/problems/conflict",
        };
        if (extensions is not null)
            foreach (var (k, v) in extensions) problem.Extensions[k] = v;
        return Results.Problem(problem);
    }

    /// <summary>A business rule refused the request (422), naming the rule.</summary>
    public static IResult Refused(string rule, string detail, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "A business rule refused the request.",
            Detail = detail,
            Type = "https://contracttherapy.dev/problems/rule",
        };
        problem.Extensions["rule"] = rule;
        if (extensions is not null)
            foreach (var (k, v) in extensions) problem.Extensions[k] = v;
        return Results.Problem(problem);
    }

    public static IResult Invalid(string field, string message) =>
        Results.Problem(new Validation().Add(field, message).ToProblem());
}

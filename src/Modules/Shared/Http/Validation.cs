using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Shared.Http;

/// <summary>
/// Collects field errors for one request and turns them into an RFC 9457 validation problem.
/// Field names are the JSON paths the client sent (<c>rates[1].amount</c>).
/// </summary>
public sealed class Validation
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public Validation Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
        return this;
    }

    public Validation Required(string field, object? value)
    {
        if (value is null || value is string s && string.IsNullOrWhiteSpace(s)) Add(field, $"'{field}' is required.");
        return this;
    }

    public Validation MaxLength(string field, string? value, int max)
    {
        if (value is not null && value.Length > max) Add(field, $"'{field}' must be at most {max} characters.");
        return this;
    }

    /// <summary>Required, trimmed non-empty, and not longer than <paramref name="max"/>.</summary>
    public Validation Text(string field, string? value, int max = 200)
    {
        if (string.IsNullOrWhiteSpace(value)) return Add(field, $"'{field}' is required.");
        return MaxLength(field, value, max);
    }

    public Validation Email(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return Add(field, $"'{field}' is required.");
        if (value.Length > 254 || !EmailShape.IsMatch(value)) Add(field, $"'{field}' is not a valid e-mail address.");
        return this;
    }

    public Validation Money(string field, decimal? value, bool required = true)
    {
        if (value is null)
        {
            if (required) Add(field, $"'{field}' is required.");
            return this;
        }
        if (value < 0) Add(field, $"'{field}' must not be negative.");
        if (decimal.Round(value.Value, 2) != value.Value) Add(field, $"'{field}' must have at most 2 decimal places.");
        if (value > Shared.Domain.Money.Max) Add(field, $"'{field}' must be at most {Shared.Domain.Money.Max}.");
        return this;
    }

    public ProblemDetails ToProblem() => new HttpValidationProblemDetails(
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray()))
    {
        Status = StatusCodes.Status400BadRequest,
        Title = "The request is not valid.",
        Detail = string.Join(" ", _errors.SelectMany(e => e.Value)),
        Type = "https://contracttherapy.dev/problems/validation",
    };

    /// <summary>What a Wolverine <c>Validate</c> method returns: no problems, or the 400.</summary>
    public ProblemDetails Result() => IsValid ? WolverineContinue.NoProblems : ToProblem();

    private static readonly System.Text.RegularExpressions.Regex EmailShape =
        new(@"^[^@\s]+@[^@\s]+\.[^@\s]+$", System.Text.RegularExpressions.RegexOptions.Compiled);
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using ContractTherapy.Shared.Http;
using JasperFx.CodeGeneration.Frames;
using Wolverine.Http;

namespace ContractTherapy.Host.Infrastructure;

/// <summary>
/// A query parameter that does not read as its type (<c>?page=abc</c>, <c>?agencyId=x</c>) is a validation problem naming
/// the parameter and the type it takes (<c>'agencyId' must be a UUID.</c>), as every other bad input is, before the
/// endpoint runs. Wolverine's own answer (<c>RejectUnparseableQueryValues</c>, which stays on behind this) was a problem
/// without the API's <c>errors</c>, naming the CLR type (<c>System.Guid</c>) and repeating the value sent. The
/// parameters are the endpoint's and its middleware's (Wolverine's <see cref="HttpChain"/>) of a type read from text,
/// not bound from the route; they are parsed as Wolverine's generated code parses them (invariant culture).
/// </summary>
public sealed class QueryValueTypes(RequestDelegate next)
{
    private static readonly ConcurrentDictionary<HttpChain, QueryParameter[]> Parameters = new();

    public async Task InvokeAsync(HttpContext http)
    {
        if (http.Request.QueryString.HasValue && http.GetEndpoint()?.Metadata.GetMetadata<HttpChain>() is { } chain)
        {
            var validation = new Validation();
            foreach (var parameter in Parameters.GetOrAdd(chain, QueryParametersOf))
            {
                var raw = (string?)http.Request.Query[parameter.Name];
                if (!string.IsNullOrEmpty(raw) && !parameter.Reads(raw))
                    validation.Add(parameter.Name, $"'{parameter.Name}' must be {ApiTypeNames.Of(parameter.Type)}.");
            }
            if (!validation.IsValid)
            {
                await Results.Problem(validation.ToProblem()).ExecuteAsync(http);
                return;
            }
        }
        await next(http);
    }

    private static QueryParameter[] QueryParametersOf(HttpChain chain)
    {
        var route = chain.RoutePattern?.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase) ?? [];
        return chain.Middleware.OfType<MethodCall>().Append(chain.Method)
            .SelectMany(call => call.Method.GetParameters())
            .Where(p => p.Name is not null && !route.Contains(p.Name))
            .Select(p => Reader(p) is { } reads ? new QueryParameter(p.Name!, p.ParameterType, reads) : null)
            .OfType<QueryParameter>()
            .DistinctBy(p => p.Name, StringComparer.OrdinalIgnoreCase)
            .ToArray();
    }

    /// <summary>How a query value of the parameter's type is read, or null for a type this check leaves alone (text, services).</summary>
    private static Func<string, bool>? Reader(ParameterInfo parameter)
    {
        var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
        var invariant = CultureInfo.InvariantCulture;
        return type switch
        {
            _ when type == typeof(Guid) => raw => Guid.TryParse(raw, invariant, out _),
            _ when type == typeof(int) => raw => int.TryParse(raw, invariant, out _),
            _ when type == typeof(long) => raw => long.TryParse(raw, invariant, out _),
            _ when type == typeof(decimal) => raw => decimal.TryParse(raw, invariant, out _),
            _ when type == typeof(DateOnly) => raw => DateOnly.TryParse(raw, invariant, out _),
            _ when type == typeof(bool) => raw => bool.TryParse(raw, out _),
            _ => null,
        };
    }

    private sealed record QueryParameter(string Name, Type Type, Func<string, bool> Reads);
}

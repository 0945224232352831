using System.Collections.Concurrent;
using System.Globalization;
using ContractTherapy.Shared.Http;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Wolverine.Http;

namespace ContractTherapy.Host.Infrastructure;

/// <summary>
/// A query parameter that does not read as its type (<c>?page=abc</c>, <c>?agencyId=x</c>) is a validation problem naming
/// the parameter and the type it takes (<c>'agencyId' must be a UUID.</c>), as every other bad input is, before the
/// endpoint runs. Wolverine's own answer (<c>RejectUnparseableQueryValues</c>, which stays on behind this) was a problem
/// without the API's <c>errors</c>, naming the CLR type (<c>System.Guid</c>) and repeating the value sent. The
/// parameters are the ones Wolverine itself binds from the query string, under the names it reads, as its API
/// description of the endpoint lists them (the OpenAPI document's source); they are parsed as Wolverine's generated
/// code parses them (invariant culture). Types this check does not know are left to Wolverine.
/// </summary>
public sealed class QueryValueTypes(RequestDelegate next)
{
    private readonly ConcurrentDictionary<(HttpChain, string), QueryParameter[]> _parameters = new();

    public async Task InvokeAsync(HttpContext http)
    {
        if (http.Request.QueryString.HasValue && http.GetEndpoint()?.Metadata.GetMetadata<HttpChain>() is { } chain)
        {
            var validation = new Validation();
            foreach (var parameter in _parameters.GetOrAdd((chain, http.Request.Method), key => QueryParametersOf(key.Item1, key.Item2)))
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

    private static QueryParameter[] QueryParametersOf(HttpChain chain, string method) =>
        chain.CreateApiDescription(method).ParameterDescriptions
            .Where(p => p.Source == BindingSource.Query && p.Type is not null)
            .Select(p => Reader(p.Type) is { } reads ? new QueryParameter(p.Name, p.Type, reads) : null)
            .OfType<QueryParameter>()
            .DistinctBy(p => p.Name, StringComparer.OrdinalIgnoreCase)
            .ToArray();

    /// <summary>How a query value of the type is read, or null for a type this check leaves alone (text, enums, lists).</summary>
    private static Func<string, bool>? Reader(Type parameterType)
    {
        var type = Nullable.GetUnderlyingType(parameterType) ?? parameterType;
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

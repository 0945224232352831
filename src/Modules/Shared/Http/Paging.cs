using Marten;
using Marten.Pagination;

namespace ContractTherapy.Shared.Http;

/// <summary>api.md's list shape: <c>{items, total, page, pageSize}</c>.</summary>
public sealed record PagedResult<T>(IReadOnlyList<T> Items, long Total, int Page, int PageSize);

public static class Paging
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    /// <summary>Beyond it, (page - 1) x pageSize would overflow the offset Marten computes.</summary>
    public const int MaxPage = 1_000_000;

    /// <summary>Checks <c>page</c> and <c>pageSize</c> query values into <paramref name="validation"/>.</summary>
    public static (int Page, int PageSize) Read(int? page, int? pageSize, Validation validation)
    {
        var p = page ?? 1;
        var s = pageSize ?? DefaultPageSize;
        if (p < 1 || p > MaxPage) validation.Add("page", $"'page' must be between 1 and {MaxPage}.");
        if (s < 1 || s > MaxPageSize) validation.Add("pageSize", $"'pageSize' must be between 1 and {MaxPageSize}.");
        return (p, s);
    }

    public static async Task<PagedResult<TOut>> ToPageAsync<T, TOut>(this IQueryable<T> query, int page, int pageSize,
        Func<T, TOut> map, CancellationToken ct)
    {
        var items = await query.ToPagedListAsync(page, pageSize, ct);
        return new PagedResult<TOut>(items.Select(map).ToList(), items.TotalItemCount, page, pageSize);
    }
}

using ContractTherapy.Shared.Http;

namespace ContractTherapy.Host.Infrastructure;

/// <summary>
/// No record has the nil UUID, and Marten refuses it as a stream id (ArgumentOutOfRangeException
/// from FetchForWriting), so an id of all zeros in the path is answered 404 before any endpoint
/// runs. After authorization: a role that may not call the endpoint still gets its 403.
/// </summary>
public sealed class NilIdIsNotFound(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext http)
    {
        foreach (var (name, value) in http.Request.RouteValues)
            if (value is string text && Guid.TryParse(text, out var id) && id == Guid.Empty)
            {
                await Problems.NotFound(name == "id" ? "record" : name.EndsWith("Id") ? name[..^2] : name, id).ExecuteAsync(http);
                return;
            }
        await next(http);
    }
}

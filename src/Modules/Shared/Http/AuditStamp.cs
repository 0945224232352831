using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Http;

namespace ContractTherapy.Shared.Http;

/// <summary>
/// Wolverine middleware for every endpoint that writes through a Marten session: stamps the
/// caller onto each event's metadata (user name = token subject, header <c>role</c>). Wolverine
/// already sets the correlation and causation ids. Endpoints add <c>reason</c> themselves.
/// </summary>
public static class AuditStamp
{
    public const string RoleHeader = "role";
    public const string ReasonHeader = "reason";

    public static void Before(HttpContext httpContext, IDocumentSession session)
    {
        var caller = Caller.From(httpContext.User);
        session.LastModifiedBy = caller.UserId;
        session.SetHeader(RoleHeader, caller.Role);
    }

    public static void Because(this IDocumentSession session, string reason) => session.SetHeader(ReasonHeader, reason);
}

using JasperFx;
using Marten;
using Microsoft.AspNetCore.Http;

namespace ContractTherapy.Shared.Http;

/// <summary>
/// A write endpoint that lost a race after it decided (a stream it appends to changed meanwhile, a unique key it took was
/// taken) decides again, once, on what is committed, instead of answering 409 for a change the caller did not make.
/// Nothing of the lost attempt was written: its transaction rolled back. The second attempt runs in a session of its own,
/// stamped as the request's was (user, role, correlation: <see cref="AuditStamp"/>), and is saved; a race lost twice is
/// answered as it comes.
/// </summary>
public static class Redecision
{
    private static readonly object Key = new();

    /// <summary>Whether the request may still be decided again.</summary>
    public static bool FirstAttempt(HttpContext http) => !http.Items.ContainsKey(Key);

    /// <summary>Decides the request again in a fresh session stamped as <paramref name="lost"/>, and saves it.</summary>
    public static async Task<T> Again<T>(IDocumentSession lost, HttpContext http, Func<IDocumentSession, Task<T>> decide, CancellationToken ct)
    {
        http.Items[Key] = true;
        lost.EjectAllPendingChanges();
        await using var again = lost.DocumentStore.LightweightSession(lost.TenantId);
        again.CorrelationId = lost.CorrelationId;
        again.CausationId = lost.CausationId;
        AuditStamp.Before(http, again);
        var answer = await decide(again).ConfigureAwait(false);
        await again.SaveChangesAsync(ct).ConfigureAwait(false);
        return answer;
    }

    /// <summary>
    /// Saves the session now; if another writer changed one of its streams meanwhile, decides the request again
    /// (<see cref="Again{T}"/>) and returns that answer. Null when the first attempt was saved.
    /// </summary>
    public static async Task<IResult?> SaveOrDecideAgain(IDocumentSession session, HttpContext http, Func<IDocumentSession, Task<IResult>> decide,
        CancellationToken ct)
    {
        try
        {
            await session.SaveChangesAsync(ct).ConfigureAwait(false);
            return null;
        }
        catch (ConcurrencyException) when (FirstAttempt(http))
        {
            return await Again(session, http, decide, ct).ConfigureAwait(false);
        }
    }
}

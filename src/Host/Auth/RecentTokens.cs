using System.Security.Claims;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ContractTherapy.Host.Auth;

/// <summary>
/// The bearer token handler, remembering the tokens it validated for a minute: a therapist's phone or an
/// office screen sends the same token with every request, and parsing it and checking its signature
/// (HMAC here, RSA from an OpenID Connect authority) was 5% of the host's CPU for a logged visit
/// (ops/bench/README.md, "Validated tokens remembered").
/// <list type="bullet">
/// <item>Only a token that passed full validation is remembered, keyed by its exact text: a changed
/// character is another key and is validated in full. Refusals are never remembered.</item>
/// <item>A remembered token is served until <see cref="MaxAge"/> after its validation or its own expiry,
/// whichever comes first, so the cache never accepts a token the full validation would refuse for its
/// lifetime (that validation even allows a minute of clock skew past the expiry). A signing key withdrawn
/// from the authority stops accepting tokens already seen at most <see cref="MaxAge"/> later.</item>
/// <item>Each request gets its own copy of the identity, so nothing one request adds to its principal
/// reaches another. The checks after validation (<c>OnTokenValidated</c>: tenant, role) run on every
/// request, remembered or not.</item>
/// <item>At most <see cref="Capacity"/> tokens; past it a token is validated in full and not remembered.</item>
/// </list>
/// </summary>
public sealed class RecentTokens : JsonWebTokenHandler
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);
    public const int Capacity = 10_000;

    private readonly MemoryCache _validated = new(new MemoryCacheOptions { SizeLimit = Capacity });
    private long _fullValidations;

    /// <summary>Tokens validated in full so far (the tests read it to see the cache at work).</summary>
    public long FullValidations => Interlocked.Read(ref _fullValidations);

    private sealed record Validated(ClaimsIdentity Identity, SecurityToken Token);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = DateTime.UtcNow;
        // The cache's absolute expiration (checked on every read) is the token's own bound: nothing else to compare.
        if (_validated.TryGetValue(token, out Validated? seen))
            return new TokenValidationResult { IsValid = true, ClaimsIdentity = seen!.Identity.Clone(), SecurityToken = seen.Token };

        Interlocked.Increment(ref _fullValidations);
        var result = await base.ValidateTokenAsync(token, validationParameters).ConfigureAwait(false);
        if (result is { IsValid: true, ClaimsIdentity: { } identity, SecurityToken: { } validated })
        {
            // A token without an expiry (ValidTo = MinValue) is not remembered: nothing bounds it but MaxAge.
            var until = validated.ValidTo > now ? Min(now + MaxAge, validated.ValidTo) : now;
            if (until > now)
                _validated.Set(token, new Validated(identity.Clone(), validated),
                    new MemoryCacheEntryOptions { AbsoluteExpiration = new DateTimeOffset(until, TimeSpan.Zero), Size = 1 });
        }
        return result;
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
}

namespace ContractTherapy.Host.Auth;

/// <summary>How a client signs in: development tokens, or the OpenID Connect authority with the web app's client id.</summary>
public sealed record AuthConfig(bool DevTokens, string? Authority, string? ClientId, string Audience, string Scope);

/// <summary>
/// <c>GET /api/auth/config</c>, anonymous: what the web app's sign-in page needs before anyone is
/// signed in. Nothing secret: the authority and client id of a public (PKCE) client.
/// </summary>
public static class AuthConfigEndpoint
{
    public static void MapAuthConfig(this WebApplication app)
    {
        var config = app.Configuration;
        app.MapGet("/api/auth/config", () => new AuthConfig(
                AuthSetup.DevTokensEnabled(config),
                config["Auth:Authority"] is { Length: > 0 } authority ? authority : null,
                config["Auth:ClientId"] is { Length: > 0 } clientId ? clientId : null,
                config["Auth:Audience"] ?? AuthSetup.Audience,
                config["Auth:Scope"] ?? "openid profile"))
            .AllowAnonymous().WithTags("Auth").WithName("GET_api_auth_config")
            .Produces<AuthConfig>();
    }
}

using System.Security.Cryptography;
using System.Text;
using ContractTherapy.Shared.Security;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace ContractTherapy.Host.Auth;

/// <summary>
/// JWT bearer authentication. Production validates tokens from the OpenID Connect authority in
/// <c>Auth:Authority</c>; with <c>Auth:DevTokens=true</c> (never in Production) the host also
/// issues and accepts its own development tokens (<c>POST /dev/token</c>).
/// </summary>
public static class AuthSetup
{
    public const string DevIssuer = "contracttherapy-dev";
    public const string Audience = "contracttherapy";

    public static bool DevTokensEnabled(IConfiguration config) => config.GetValue<bool>("Auth:DevTokens");

    /// <summary>The development signing key: configurable, else derived from a fixed phrase (dev only).</summary>
    public static SymmetricSecurityKey DevSigningKey(IConfiguration config)
    {
        var configured = config["Auth:DevSigningKey"];
        var bytes = configured is { Length: > 0 }
            ? Convert.FromBase64String(configured)
            : SHA256.HashData(Encoding.UTF8.GetBytes("contracttherapy development signing key"));
        return new SymmetricSecurityKey(bytes);
    }

    private static bool IsLoopback(string authority) =>
        Uri.TryCreate(authority, UriKind.Absolute, out var uri) && uri.IsLoopback;

    public static void AddContractTherapyAuth(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var devTokens = DevTokensEnabled(config);
        if (devTokens && builder.Environment.IsProduction())
            throw new InvalidOperationException("Auth:DevTokens=true is refused in the Production environment.");
        var authority = config["Auth:Authority"];
        if (!devTokens && string.IsNullOrWhiteSpace(authority))
            throw new InvalidOperationException("Configure Auth:Authority (an OpenID Connect authority) or, outside Production, Auth:DevTokens=true.");

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            // The same handler as the default, remembering the tokens it validated for a minute (RecentTokens).
            o.TokenHandlers.Clear();
            // Claim names as the token has them ("sub", "role", "tenant"): set on the handler itself, since the options'
            // setter below only reaches the default handler it replaced.
            o.TokenHandlers.Add(new RecentTokens { MapInboundClaims = false });
            o.MapInboundClaims = false;
            var validation = new TokenValidationParameters
            {
                NameClaimType = ClaimNames.Subject,
                RoleClaimType = ClaimNames.Role,
                ValidateAudience = true,
                ValidAudience = config["Auth:Audience"] ?? Audience,
                ValidateLifetime = true,
                ClockSkew = TimeSpan.FromMinutes(1),
            };
            if (devTokens)
            {
                validation.ValidIssuer = DevIssuer;
                validation.IssuerSigningKey = DevSigningKey(config);
                validation.ValidAudience = Audience;
            }
            else
            {
                o.Authority = authority;
                // Metadata and keys over https, except from an authority on this machine outside
                // Production (the browser tests' fake authority, a local identity server).
                o.RequireHttpsMetadata = builder.Environment.IsProduction() || !IsLoopback(authority!);
            }
            o.TokenValidationParameters = validation;
            o.Events = new JwtBearerEvents
            {
                // Every request acts inside one tenant with one known role; a token without them is not ours.
                OnTokenValidated = ctx =>
                {
                    var caller = Caller.From(ctx.Principal!);
                    if (string.IsNullOrWhiteSpace(caller.TenantId) || !Roles.All.Contains(caller.Role))
                        ctx.Fail("The token must carry a tenant and a known role.");
                    else if (caller.Role == Roles.Contractor && caller.ContractorId is null)
                        ctx.Fail("A contractor token must carry contractorId.");
                    else if (caller.Role == Roles.Agency && caller.AgencyId is null)
                        ctx.Fail("An agency token must carry agencyId.");
                    return Task.CompletedTask;
                },
            };
        });

        builder.Services.AddAuthorization(o =>
        {
            foreach (var (policy, roles) in Policies.RolesByPolicy)
                o.AddPolicy(policy, p => p.RequireAuthenticatedUser().RequireClaim(ClaimNames.Role, roles));
        });
    }
}

using System.Security.Claims;
using ContractTherapy.Host.Auth;
using ContractTherapy.Shared.Security;
using ContractTherapy.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ContractTherapy.Tests.Security;

/// <summary>
/// The bearer handler remembers a validated token for a minute (RecentTokens): the same token is checked in full
/// once, and what is remembered never accepts more than a full validation would.
/// </summary>
public sealed class RecentTokensTests(AppFixture app) : IntegrationTest(app)
{
    private RecentTokens Handler => App.Host.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>()
        .Get(JwtBearerDefaults.AuthenticationScheme).TokenHandlers.OfType<RecentTokens>().Single();

    private string Mint(IEnumerable<Claim> claims, DateTime expires, SecurityKey? key = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = AuthSetup.DevIssuer,
            Audience = AuthSetup.Audience,
            Subject = new ClaimsIdentity(claims),
            NotBefore = DateTime.UtcNow.AddMinutes(-1),
            Expires = expires,
            SigningCredentials = new SigningCredentials(key ?? AuthSetup.DevSigningKey(App.Host.Services.GetRequiredService<IConfiguration>()),
                SecurityAlgorithms.HmacSha256),
        });

    [Fact]
    public async Task the_same_token_is_validated_in_full_once()
    {
        var token = await Api.Token("owner");
        (await Api.Send(HttpMethod.Get, "/api/contractors", null, token)).ShouldBe(200);
        var before = Handler.FullValidations;
        for (var i = 0; i < 3; i++) (await Api.Send(HttpMethod.Get, "/api/contractors", null, token)).ShouldBe(200);
        Handler.FullValidations.ShouldBe(before);
    }

    [Fact]
    public async Task a_token_signed_with_another_key_is_refused_after_a_good_one_was_remembered()
    {
        Claim[] claims = [new(ClaimNames.Subject, "owner@x"), new(ClaimNames.Tenant, Api.Tenant), new(ClaimNames.Role, "owner")];
        var good = Mint(claims, DateTime.UtcNow.AddHours(1));
        (await Api.Send(HttpMethod.Get, "/api/contractors", null, good)).ShouldBe(200);
        var forged = Mint(claims, DateTime.UtcNow.AddHours(1), new SymmetricSecurityKey(new byte[32]));
        (await Api.Send(HttpMethod.Get, "/api/contractors", null, forged)).ShouldBe(401);
        // One character changed in the payload: another text, validated in full, and its signature no longer matches.
        var parts = good.Split('.');
        var payload = parts[1][..^1] + (parts[1][^1] == 'A' ? 'B' : 'A');
        (await Api.Send(HttpMethod.Get, "/api/contractors", null, $"{parts[0]}.{payload}.{parts[2]}")).ShouldBe(401);
    }

    [Fact]
    public async Task the_checks_after_validation_run_on_every_request_of_a_remembered_token()
    {
        // Well signed, but without a tenant: the signature passes (and is remembered), OnTokenValidated refuses it.
        var token = Mint([new(ClaimNames.Subject, "nobody"), new(ClaimNames.Role, "owner")], DateTime.UtcNow.AddHours(1));
        (await Api.Send(HttpMethod.Get, "/api/contractors", null, token)).ShouldBe(401);
        (await Api.Send(HttpMethod.Get, "/api/contractors", null, token)).ShouldBe(401);
    }

    [Fact]
    public async Task a_remembered_token_is_refused_once_it_expires()
    {
        var handler = new RecentTokens();
        var key = new SymmetricSecurityKey(new byte[32].Select((_, i) => (byte)i).ToArray());
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = AuthSetup.DevIssuer, ValidAudience = AuthSetup.Audience, IssuerSigningKey = key, ClockSkew = TimeSpan.Zero,
        };
        var token = Mint([new(ClaimNames.Subject, "s"), new(ClaimNames.Tenant, "t"), new(ClaimNames.Role, "owner")],
            DateTime.UtcNow.AddSeconds(4), key); // 3-4 s: the expiry is written in whole seconds
        (await handler.ValidateTokenAsync(token, parameters)).IsValid.ShouldBeTrue();
        (await handler.ValidateTokenAsync(token, parameters)).IsValid.ShouldBeTrue();
        handler.FullValidations.ShouldBe(1);
        await Task.Delay(TimeSpan.FromSeconds(4.5));
        (await handler.ValidateTokenAsync(token, parameters)).IsValid.ShouldBeFalse();
    }

    [Fact]
    public async Task each_request_gets_its_own_identity()
    {
        var handler = new RecentTokens();
        var key = new SymmetricSecurityKey(new byte[32].Select((_, i) => (byte)(i + 1)).ToArray());
        var parameters = new TokenValidationParameters { ValidIssuer = AuthSetup.DevIssuer, ValidAudience = AuthSetup.Audience, IssuerSigningKey = key };
        var token = Mint([new(ClaimNames.Subject, "s"), new(ClaimNames.Tenant, "t"), new(ClaimNames.Role, "owner")], DateTime.UtcNow.AddHours(1), key);
        var first = await handler.ValidateTokenAsync(token, parameters);
        first.ClaimsIdentity.AddClaim(new Claim("added-by-one-request", "x"));
        var second = await handler.ValidateTokenAsync(token, parameters);
        var third = await handler.ValidateTokenAsync(token, parameters);
        handler.FullValidations.ShouldBe(1);
        second.ClaimsIdentity.HasClaim(c => c.Type == "added-by-one-request").ShouldBeFalse();
        second.ClaimsIdentity.ShouldNotBeSameAs(third.ClaimsIdentity);
        second.ClaimsIdentity.FindFirst(ClaimNames.Tenant)!.Value.ShouldBe("t");
    }
}

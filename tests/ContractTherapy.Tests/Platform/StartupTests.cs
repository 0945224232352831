using Alba;
using Microsoft.AspNetCore.Hosting;

namespace ContractTherapy.Tests.Platform;

/// <summary>Configuration the host refuses to start with (no database needed: it fails before).</summary>
public sealed class StartupTests
{
    private static Task<IAlbaHost> Start(string environment, params (string Key, string Value)[] settings) =>
        AlbaHost.For<Program>(builder =>
        {
            builder.UseEnvironment(environment);
            builder.UseSetting("ConnectionStrings:Postgres", "Host=127.0.0.1;Port=1;Database=none");
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
        });

    [Fact]
    public async Task dev_tokens_are_refused_at_startup_in_production()
    {
        var e = await Should.ThrowAsync<Exception>(() => Start("Production", ("Auth:DevTokens", "true"),
            ("Encryption:Key", Convert.ToBase64String(new byte[32]))));
        e.ToString().ShouldContain("Auth:DevTokens=true is refused in the Production environment");
    }

    [Fact]
    public async Task outside_development_the_host_needs_an_encryption_key()
    {
        var e = await Should.ThrowAsync<Exception>(() => Start("Staging", ("Auth:Authority", "https://login.example")));
        e.ToString().ShouldContain("Encryption:Key");
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using ContractTherapy.Tests.Infrastructure;

namespace ContractTherapy.Tests.Web;

/// <summary>
/// The web app (src/Web) is a client of the public API only; its TypeScript types are generated
/// from src/Web/openapi.json. This test keeps that snapshot equal to what the host serves, so an
/// API change fails here until the snapshot and the types are regenerated and the app type-checks
/// (README, "Web app"). CT_UPDATE_OPENAPI=1 rewrites the snapshot instead of comparing.
/// </summary>
public sealed class WebAppContractTests(AppFixture app) : IntegrationTest(app)
{
    [Fact]
    public async Task the_web_apps_openapi_snapshot_is_the_hosts_document()
    {
        var live = (await Api.Send(HttpMethod.Get, "/openapi/v1.json", null, null)).ShouldBe(200).Json.AsObject();
        live.Remove("servers"); // the address the document was fetched from, not part of the contract
        var path = Path.Combine(RepositoryRoot(), "src", "Web", "openapi.json");

        if (Environment.GetEnvironmentVariable("CT_UPDATE_OPENAPI") == "1")
            await File.WriteAllTextAsync(path, live.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

        var snapshot = JsonNode.Parse(await File.ReadAllTextAsync(path))!;
        JsonNode.DeepEquals(snapshot, live).ShouldBeTrue(
            "src/Web/openapi.json differs from the host's /openapi/v1.json. Regenerate it and the app's types: " +
            "CT_UPDATE_OPENAPI=1 ops/test.sh --filter FullyQualifiedName~WebAppContractTests, then (cd src/Web && npm run api-types && npm run build).");
    }

    [Fact]
    public async Task the_sign_in_configuration_is_public_and_says_how_to_sign_in()
    {
        var config = (await Api.Send(HttpMethod.Get, "/api/auth/config", null, token: null)).ShouldBe(200).Json;
        config["devTokens"]!.GetValue<bool>().ShouldBeTrue();
        config["audience"]!.GetValue<string>().ShouldBe("contracttherapy");
        config["scope"]!.GetValue<string>().ShouldContain("openid");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ContractTherapy.sln"))) return dir.FullName;
        throw new InvalidOperationException("ContractTherapy.sln not found above " + AppContext.BaseDirectory);
    }
}

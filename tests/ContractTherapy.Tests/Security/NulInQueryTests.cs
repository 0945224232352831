using ContractTherapy.Tests.Infrastructure;

namespace ContractTherapy.Tests.Security;

/// <summary>
/// A query parameter holding U+0000 is refused with a 400 problem naming the parameter, on every endpoint, before it can
/// reach PostgreSQL (which cannot compare text with it: the access log's <c>userId</c> filter answered 500, found by the
/// chaos fuzzer). Nothing is recorded for a refused read.
/// </summary>
public sealed class NulInQueryTests(AppFixture app) : IntegrationTest(app)
{
    [Theory]
    [InlineData("/api/audit/access-log?userId=a%00b", "userId", "owner")]
    [InlineData("/api/audit/access-log?userId=%00", "userId", "compliance")]
    [InlineData("/api/visits?pageSize=5&status=invoiced%00", "status", "billing")]
    public async Task a_nul_in_a_query_parameter_is_a_400_problem_naming_it(string url, string parameter, string role)
    {
        var reply = (await Api.Get(url, role: role)).ShouldBeProblem(400, parameter);
        reply.Json["detail"]!.GetValue<string>().ShouldContain("NUL");
        // The same request without the character is answered.
        (await Api.Get(url.Replace("%00", ""), role: role)).Status.ShouldBeLessThan(500);
    }

    [Fact]
    public async Task the_api_reference_lists_that_400_on_every_operation()
    {
        var document = (await Api.Send(HttpMethod.Get, "/openapi/v1.json", null, null)).ShouldBe(200).Json;

        var operations = document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject().Select(op => (Name: $"{op.Key} {path.Key}", Op: op.Value!))).ToList();
        operations.Count.ShouldBeGreaterThan(40);
        operations.Where(o => o.Op["responses"]?["400"]?["content"]?["application/problem+json"] is null).Select(o => o.Name).ShouldBeEmpty();
    }
}

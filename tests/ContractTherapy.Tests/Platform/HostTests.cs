using ContractTherapy.Tests.Infrastructure;

namespace ContractTherapy.Tests.Platform;

public sealed class HostTests(AppFixture app) : IntegrationTest(app)
{
    [Fact]
    public async Task liveness_and_readiness_answer_healthy_when_the_database_is_up()
    {
        (await Api.Send(HttpMethod.Get, "/health/live", null, null)).ShouldBe(200).Body.ShouldBe("Healthy");
        (await Api.Send(HttpMethod.Get, "/health/ready", null, null)).ShouldBe(200).Body.ShouldBe("Healthy");
    }
}

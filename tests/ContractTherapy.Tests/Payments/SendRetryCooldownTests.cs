using ContractTherapy.Payments;
using Microsoft.Extensions.Configuration;

namespace ContractTherapy.Tests.Payments;

/// <summary>The send's retry cooldowns: production's by default, scaled down only when configured (the chaos command).</summary>
public sealed class SendRetryCooldownTests
{
    private static IConfiguration Config(params (string, string)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.ToDictionary(v => v.Item1, v => (string?)v.Item2)).Build();

    [Fact]
    public void without_a_setting_the_cooldowns_are_productions()
    {
        var (inline, scheduled) = PaymentsModule.SendRetryCooldowns(Config());
        inline.ShouldBe([TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)]);
        scheduled.ShouldBe([TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10)]);
    }

    [Fact]
    public void the_scale_shortens_every_cooldown_and_out_of_range_scales_are_refused()
    {
        var (inline, scheduled) = PaymentsModule.SendRetryCooldowns(Config(("Payments:SendRetryScale", "0.01")));
        inline.ShouldBe([TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(30)]);
        scheduled.ShouldBe([TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(1200), TimeSpan.FromSeconds(6)]);
        Should.Throw<InvalidOperationException>(() => PaymentsModule.SendRetryCooldowns(Config(("Payments:SendRetryScale", "0"))));
        Should.Throw<InvalidOperationException>(() => PaymentsModule.SendRetryCooldowns(Config(("Payments:SendRetryScale", "2"))));
    }
}

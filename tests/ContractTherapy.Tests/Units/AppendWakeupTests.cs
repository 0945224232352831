using ContractTherapy.Host.Infrastructure;
using Shouldly;

namespace ContractTherapy.Tests.Units;

/// <summary>
/// How soon the high-water agent may look again after a wake: at once after a quiet moment, at most every 50 ms,
/// and every 200 ms while commits keep landing (each look then pays Marten's probe of an in-flight gap).
/// </summary>
public class AppendWakeupTests
{
    [Fact]
    public void A_write_after_a_quiet_moment_wakes_the_agent_at_once()
    {
        AppendWakeup.DelayBeforeWake(busy: false, sinceLastWake: TimeSpan.FromSeconds(5)).ShouldBe(TimeSpan.Zero);
        AppendWakeup.DelayBeforeWake(busy: false, sinceLastWake: TimeSpan.FromMilliseconds(60)).ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void Quiet_looks_are_at_least_50_ms_apart()
    {
        AppendWakeup.DelayBeforeWake(busy: false, sinceLastWake: TimeSpan.FromMilliseconds(20)).ShouldBe(TimeSpan.FromMilliseconds(30));
    }

    [Fact]
    public void While_commits_keep_landing_looks_are_200_ms_apart()
    {
        AppendWakeup.DelayBeforeWake(busy: true, sinceLastWake: TimeSpan.FromMilliseconds(20)).ShouldBe(TimeSpan.FromMilliseconds(180));
        AppendWakeup.DelayBeforeWake(busy: true, sinceLastWake: TimeSpan.FromMilliseconds(120)).ShouldBe(TimeSpan.FromMilliseconds(80));
        AppendWakeup.DelayBeforeWake(busy: true, sinceLastWake: TimeSpan.FromMilliseconds(250)).ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public async Task A_commit_during_the_agents_work_makes_the_next_look_wait_the_busy_interval()
    {
        var wakeup = new AppendWakeup();
        wakeup.Pulse();
        await wakeup.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None); // the first wake: at once
        wakeup.Pulse(); // a commit while the agent works
        var started = System.Diagnostics.Stopwatch.StartNew();
        await wakeup.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        started.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(180));
    }
}

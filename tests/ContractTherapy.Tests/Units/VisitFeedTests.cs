using ContractTherapy.Shared.Domain;
using ContractTherapy.Visits.Visits;
using ContractTherapy.Visits.WatchingVisits;
using JasperFx.Events;
using Shouldly;

namespace ContractTherapy.Tests.Units;

/// <summary>
/// The live feed's two paths (this node's after-commit listener, the poller reading the event store)
/// show each visit once, whichever comes first and however late the other is.
/// </summary>
public class VisitFeedTests
{
    private long _clock = 1_000_000;
    private VisitFeed Feed() => new() { Now = () => _clock };

    private static IEvent Logged(Guid eventId, long sequence, string tenant = "t1")
    {
        var visit = new VisitLogged(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), new SealedPatient("sealed", "sealed", "A.B.", "fp"),
            new DateOnly(2026, 12, 1), Discipline.PT, VisitType.Routine, null, null, true, null);
        return new Event<VisitLogged>(visit) { Id = eventId, Sequence = sequence, TenantId = tenant };
    }

    private static int Pending(System.Threading.Channels.ChannelReader<VisitArrived> reader)
    {
        var n = 0;
        while (reader.TryRead(out _)) n++;
        return n;
    }

    [Fact]
    public void A_late_listener_after_the_poller_showed_the_visit_and_moved_its_floor_past_it_shows_nothing()
    {
        var feed = Feed();
        var (_, reader) = feed.Subscribe("t1");
        var id = Guid.NewGuid();

        feed.Show(Logged(id, 100));   // the poller reads it from the event store first
        feed.ForgetUpTo(150);         // its floor passes it
        _clock += 1_000;
        feed.Show(Logged(id, 0));     // this node's listener, late; a new stream's sequence is unknown to it

        Pending(reader).ShouldBe(1);
    }

    [Fact]
    public void The_poller_after_the_listener_shows_nothing()
    {
        var feed = Feed();
        var (_, reader) = feed.Subscribe("t1");
        var id = Guid.NewGuid();

        feed.Show(Logged(id, 0));
        feed.Show(Logged(id, 100));

        Pending(reader).ShouldBe(1);
    }

    [Fact]
    public void Shown_events_are_forgotten_once_below_the_floor_and_old_enough()
    {
        var feed = Feed();
        var id = Guid.NewGuid();
        feed.TryShow(id, 100).ShouldBeTrue();

        feed.ForgetUpTo(150);
        feed.TryShow(id, 100).ShouldBeFalse(); // still remembered: shown just now

        _clock += (long)feed.ForgetAfter.TotalMilliseconds;
        feed.ForgetUpTo(150);
        feed.TryShow(id, 100).ShouldBeTrue(); // forgotten: the poller never reads at or below its floor again
    }

    [Fact]
    public void Another_tenants_visit_is_not_shown()
    {
        var feed = Feed();
        var (_, reader) = feed.Subscribe("t1");
        feed.Show(Logged(Guid.NewGuid(), 5, tenant: "t2"));
        Pending(reader).ShouldBe(0);
    }
}

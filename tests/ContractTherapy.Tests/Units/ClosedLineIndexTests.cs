using ContractTherapy.Invoicing.Billing;
using ContractTherapy.Invoicing.Cycles;
using ContractTherapy.Shared.Domain;

namespace ContractTherapy.Tests.Units;

public sealed class ClosedLineIndexTests
{
    private static ClosedLine Line(Guid visit, bool reversal, decimal amount) => new(visit, LineKind.Adjustment, reversal, Guid.NewGuid(), "A",
        Guid.NewGuid(), "C", new DateOnly(2026, 3, 4), default, default, null!, amount, amount, null, amount, amount, null, false, 0m, 0m, 0m, null);

    private static CycleClosed Closed(params ClosedLine[] lines) => new(Guid.NewGuid(), new DateOnly(2026, 3, 2), new DateOnly(2026, 3, 8),
        new DateOnly(2026, 3, 9), DateTimeOffset.UnixEpoch, lines, [], [], Guid.NewGuid());

    [Fact]
    public void each_visit_maps_to_the_position_of_its_last_non_reversing_line_as_the_scan_did()
    {
        var (a, b, c) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var lines = new[] { Line(a, false, 1m), Line(a, true, -1m), Line(a, false, 2m), Line(b, true, -5m), Line(c, false, 3m) };
        var index = ClosedLineIndex.CurrentPositions(Closed(lines));

        index[a].ShouldBe(2);
        index.ContainsKey(b).ShouldBeFalse(); // only reversed: no longer billed
        index[c].ShouldBe(4);
        foreach (var visit in new[] { a, b, c })
            (index.TryGetValue(visit, out var i) ? lines[i] : null).ShouldBe(lines.LastOrDefault(l => l.VisitId == visit && !l.IsReversal));
    }

    [Fact]
    public void the_index_is_built_once_per_event_not_once_per_visit()
    {
        var closed = Closed(Enumerable.Range(0, 50_000).Select(_ => Line(Guid.NewGuid(), false, 1m)).ToArray());
        var first = ClosedLineIndex.CurrentPositions(closed);
        ClosedLineIndex.CurrentPositions(closed).ShouldBeSameAs(first);
        first.Count.ShouldBe(50_000);
        // An equal event (records compare by value) that is another instance gets its own index: the cache is by instance.
        ClosedLineIndex.CurrentPositions(closed with { }).ShouldNotBeSameAs(first);
    }
}

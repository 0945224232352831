using ContractTherapy.Rates.PaySheets;
using ContractTherapy.Shared.Persistence;

namespace ContractTherapy.Tests.Units;

public class StreamIdsTests
{
    private static readonly Guid Owner = new("0b5a8f4e-1d2c-4e3f-8a9b-7c6d5e4f3a21");
    private static readonly Guid OtherOwner = new("0b5a8f4e-1d2c-4e3f-8a9b-7c6d5e4f3a22");

    [Fact]
    public void the_same_kind_and_owner_give_the_same_id()
    {
        StreamIds.For("pay-sheet", Owner).ShouldBe(StreamIds.For("pay-sheet", Owner));
        StreamIds.For("tenant-settings", "acme").ShouldBe(StreamIds.For("tenant-settings", "acme"));
    }

    [Fact]
    public void a_different_kind_gives_a_different_id()
    {
        StreamIds.For("pay-sheet", Owner).ShouldNotBe(StreamIds.For("bill-sheet", Owner));
    }

    [Fact]
    public void a_different_owner_gives_a_different_id()
    {
        StreamIds.For("pay-sheet", Owner).ShouldNotBe(StreamIds.For("pay-sheet", OtherOwner));
        StreamIds.For("tenant-settings", "acme").ShouldNotBe(StreamIds.For("tenant-settings", "Acme"));
    }

    [Fact]
    public void a_guid_owner_is_named_by_its_n_format()
    {
        StreamIds.For("pay-sheet", Owner).ShouldBe(StreamIds.For("pay-sheet", Owner.ToString("N")));
    }

    [Fact]
    public void ids_are_version_5_with_the_rfc_4122_variant()
    {
        foreach (var (kind, owner) in new[] { ("pay-sheet", Owner.ToString("N")), ("tenant-settings", "acme"), ("x", "") })
        {
            var id = StreamIds.For(kind, owner);
            id.Version.ShouldBe(5);
            var text = id.ToString("D");
            text[14].ShouldBe('5');
            "89ab".ShouldContain(text[19]);
        }
    }

    [Fact]
    public void ids_are_not_empty_and_spread_across_many_owners()
    {
        var ids = Enumerable.Range(0, 1000).Select(i => StreamIds.For("pay-sheet", $"owner-{i}")).ToList();

        ids.ShouldAllBe(id => id != Guid.Empty);
        ids.Distinct().Count().ShouldBe(1000);
    }

    [Fact]
    public void a_pay_sheet_id_is_the_pay_sheet_stream_id_of_its_contractor()
    {
        PaySheet.IdFor(Owner).ShouldBe(StreamIds.For("pay-sheet", Owner));
        PaySheet.IdFor(Owner).ShouldNotBe(Owner);
    }
}

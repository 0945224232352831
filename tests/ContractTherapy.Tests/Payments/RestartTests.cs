using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Payments;

[Collection(NodeCollection.Name)]
public sealed class RestartTests(NodeFixture app) : IDisposable
{
    private NodeFixture App { get; } = app;
    private Api Api { get; } = new(app.Host, $"t-{Guid.NewGuid():N}");

    public void Dispose() => App.Stripe.Reset();

    [Fact]
    public async Task a_node_stopping_between_recording_and_sending_leaves_the_payment_to_another_node_and_pays_once()
    {
        App.Stripe.Reset();
        // The node that approves the pay run: a second host on the same database.
        var first = await App.StartHostAsync();
        var api = new Api(first, Api.Tenant);
        await api.CyclesFrom("2026-03-02");
        var agency = await api.RegisteredAgency();
        await api.SetBillRates(agency, "2026-01-01", Rate("PT", "Routine", 95m));
        var dana = await api.PlacedContractor(agency);
        await api.SetPayRates(dana, "2026-01-01", Rate("PT", "Routine", 70m));
        await api.MakePayable(dana);
        await api.LogVisit(Visit(dana, agency, "2026-03-04"));
        var cycle = await api.CloseCurrentCycle();

        // Stripe holds the first request long enough for the node to go away mid-send.
        App.Stripe.Inject(new FakeStripe.StallThenCommit(TimeSpan.FromSeconds(8)));
        var approval = (await api.Post($"/api/cycles/{cycle}/pay-run/approve", null, role: "payroll")).ShouldBe(202);
        var payment = Guid.Parse(approval.Json["payments"]![0]!["id"]!.GetValue<string>());
        await first.DisposeAsync();

        // The payment was recorded before it was sent; the remaining node finishes it.
        var status = "";
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            status = (await Api.Get($"/api/payments/{payment}", role: "payroll")).Json["status"]!.GetValue<string>();
            if (status == "sent") break;
            await Task.Delay(250);
        }
        status.ShouldBe("sent");
        App.Stripe.TransfersFor(payment).Count.ShouldBe(1);
        // Once the stalled first request completes at Stripe, it replays the same transfer.
        await Task.Delay(TimeSpan.FromSeconds(8));
        App.Stripe.TransfersFor(payment).Count.ShouldBe(1);
        App.Stripe.Requests.ShouldBeGreaterThanOrEqualTo(2);
    }
}

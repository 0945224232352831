using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Payments;

public sealed class StripeWebhookTests(AppFixture app) : IntegrationTest(app)
{
    private async Task<Guid> SentPayment()
    {
        var dana = await Api.OnboardedContractor();
        // A manual payment's stream is a payment like any other; the webhook finds it by its metadata.
        var reply = (await Api.Post("/api/payments/manual", new { contractorId = dana, amount = 300m, paidOn = "2026-03-18", method = "ach", reference = "ACH 1" },
            role: "payroll")).ShouldBe(201);
        return reply.Id;
    }

    private string ReversalEvent(Guid payment, string eventId) => System.Text.Json.JsonSerializer.Serialize(new
    {
        id = eventId,
        @object = "event",
        type = "transfer.reversed",
        data = new { @object = new { id = "tr_123", @object = "transfer", metadata = new Dictionary<string, string> { ["payment_id"] = payment.ToString(), ["tenant"] = Api.Tenant } } },
    });

    private Task<Reply> Deliver(string body, string signature) =>
        Api.Send(HttpMethod.Post, "/api/webhooks/stripe", body, token: null, headers: new Dictionary<string, string> { ["Stripe-Signature"] = signature });

    [Fact]
    public async Task a_signed_transfer_reversal_reverses_the_payment_once_even_when_delivered_twice()
    {
        var payment = await SentPayment();
        var body = ReversalEvent(payment, "evt_1");
        (await Deliver(body, FakeStripe.Sign(body, TestClock.Instance.GetUtcNow()))).ShouldBe(200);
        (await Deliver(body, FakeStripe.Sign(body, TestClock.Instance.GetUtcNow()))).ShouldBe(200);

        (await Api.Get($"/api/payments/{payment}", role: "payroll")).Json["status"]!.GetValue<string>().ShouldBe("reversed");
        await using var session = App.Store.QuerySession(Api.Tenant);
        var events = await session.Events.FetchStreamAsync(payment);
        events.Count(e => e.EventTypeName == "payment_reversed").ShouldBe(1);
        events.Last().UserName.ShouldBe("stripe-webhook");
    }

    [Fact]
    public async Task a_reversal_that_arrives_before_the_send_is_recorded_is_answered_retryable_and_applied_when_delivered_again()
    {
        App.Stripe.Reset();
        await Api.CyclesFrom("2026-03-02");
        var agency = await Api.RegisteredAgency();
        await Api.SetBillRates(agency, "2026-01-01", Rate("PT", "Routine", 95m));
        var dana = await Api.PlacedContractor(agency);
        await Api.SetPayRates(dana, "2026-01-01", Rate("PT", "Routine", 70m));
        await Api.MakePayable(dana);
        await Api.LogVisit(Visit(dana, agency, "2026-03-04"));
        var cycle = await Api.CloseCurrentCycle();
        // Three 500s keep the send retrying for about 4 s: the reversal lands while it is still requested.
        App.Stripe.Inject(new FakeStripe.ServerError(), new FakeStripe.ServerError(), new FakeStripe.ServerError());
        var approval = (await Api.Post($"/api/cycles/{cycle}/pay-run/approve", null, role: "payroll")).ShouldBe(202);
        var payment = Guid.Parse(approval.Json["payments"]![0]!["id"]!.GetValue<string>());

        var body = ReversalEvent(payment, "evt_early");
        (await Deliver(body, FakeStripe.Sign(body, TestClock.Instance.GetUtcNow()))).ShouldBe(409);
        (await Api.Get($"/api/payments/{payment}", role: "payroll")).Json["status"]!.GetValue<string>().ShouldBe("requested");

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await Api.Get($"/api/payments/{payment}", role: "payroll")).Json["status"]!.GetValue<string>() != "sent" && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        // Stripe delivers the event again (and again): the payment is reversed once.
        (await Deliver(body, FakeStripe.Sign(body, TestClock.Instance.GetUtcNow()))).ShouldBe(200);
        (await Deliver(body, FakeStripe.Sign(body, TestClock.Instance.GetUtcNow()))).ShouldBe(200);
        (await Api.Get($"/api/payments/{payment}", role: "payroll")).Json["status"]!.GetValue<string>().ShouldBe("reversed");
        await using var session = App.Store.QuerySession(Api.Tenant);
        (await session.Events.FetchStreamAsync(payment)).Count(e => e.EventTypeName == "payment_reversed").ShouldBe(1);
        App.Stripe.TransfersFor(payment).Count.ShouldBe(1);
    }

    [Fact]
    public async Task forged_stale_or_unsigned_webhooks_are_refused_and_change_nothing()
    {
        var payment = await SentPayment();
        var body = ReversalEvent(payment, "evt_2");
        (await Deliver(body, FakeStripe.Sign(body, TestClock.Instance.GetUtcNow(), secret: "whsec_wrong"))).ShouldBe(400);
        (await Deliver(body, FakeStripe.Sign(body, TestClock.Instance.GetUtcNow().AddMinutes(-6)))).ShouldBe(400);
        (await Deliver(body.Replace("evt_2", "evt_3"), FakeStripe.Sign(body, TestClock.Instance.GetUtcNow()))).ShouldBe(400);
        (await Deliver(body, "")).ShouldBe(400);
        (await Api.Get($"/api/payments/{payment}", role: "payroll")).Json["status"]!.GetValue<string>().ShouldBe("sent");
    }

    [Fact]
    public async Task other_event_types_are_acknowledged_and_ignored()
    {
        var body = """{"id":"evt_9","object":"event","type":"payout.paid","data":{"object":{}}}""";
        (await Deliver(body, FakeStripe.Sign(body, TestClock.Instance.GetUtcNow()))).ShouldBe(200);
    }
}

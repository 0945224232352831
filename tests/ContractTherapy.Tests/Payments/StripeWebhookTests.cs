using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Payments;

public sealed class StripeWebhookTests(AppFixture app) : IntegrationTest(app)
{
    /// <summary>A payment a pay run sent through Stripe, and its transfer.</summary>
    private async Task<(Guid Payment, FakeStripe.Transfer Transfer)> SentPayment()
    {
        App.Stripe.Reset();
        await Api.CyclesFrom("2026-03-02");
        var dana = await Api.OnboardedContractor();
        (await Api.Put($"/api/contractors/{dana}/w9", W9())).ShouldBe(200);
        return await Api.PaidThroughStripe(App.Stripe, dana, 300m);
    }

    private string ReversalEvent(Guid payment, string transferId, string eventId) => System.Text.Json.JsonSerializer.Serialize(new
    {
        id = eventId,
        @object = "event",
        type = "transfer.reversed",
        data = new { @object = new { id = transferId, @object = "transfer", metadata = new Dictionary<string, string> { ["payment_id"] = payment.ToString(), ["tenant"] = Api.Tenant } } },
    });

    private Task<Reply> Deliver(string body, string signature) =>
        Api.Send(HttpMethod.Post, "/api/webhooks/stripe", body, token: null, headers: new Dictionary<string, string> { ["Stripe-Signature"] = signature });

    private async Task<int> Reversals(Guid payment)
    {
        await using var session = App.Store.QuerySession(Api.Tenant);
        return (await session.Events.FetchStreamAsync(payment)).Count(e => e.EventTypeName == "payment_reversed");
    }

    [Fact]
    public async Task a_signed_transfer_reversal_reverses_the_payment_once_even_when_delivered_twice()
    {
        var (payment, transfer) = await SentPayment();
        var body = ReversalEvent(payment, transfer.Id, "evt_1");
        (await Deliver(body, FakeStripe.Sign(body, TestClock.Instance.GetUtcNow()))).ShouldBe(200);
        (await Deliver(body, FakeStripe.Sign(body, TestClock.Instance.GetUtcNow()))).ShouldBe(200);

        (await Api.Get($"/api/payments/{payment}", role: "payroll")).Json["status"]!.GetValue<string>().ShouldBe("reversed");
        (await Reversals(payment)).ShouldBe(1);
        await using var session = App.Store.QuerySession(Api.Tenant);
        (await session.Events.FetchStreamAsync(payment)).Last().UserName.ShouldBe("stripe-webhook");
    }

    [Fact]
    public async Task a_reversal_of_a_transfer_that_did_not_pay_the_payment_reverses_nothing_and_says_why()
    {
        // Paid by hand (say after a send whose transfer Stripe made and whose answer was lost): a reversal of that stray
        // transfer names the payment in its metadata, but the money the payment paid did not come back.
        var dana = await Api.OnboardedContractor();
        var byHand = (await Api.Post("/api/payments/manual", new { contractorId = dana, amount = 300m, paidOn = "2026-03-18", method = "ach", reference = "ACH 1" },
            role: "payroll")).ShouldBe(201).Id;
        var stray = ReversalEvent(byHand, "tr_stray", "evt_stray");
        (await Api.DeliverStripeEvent(stray)).ShouldBe(200);
        (await Api.DeliverStripeEvent(stray)).ShouldBe(200);
        (await Api.Get($"/api/payments/{byHand}", role: "payroll")).Json["status"]!.GetValue<string>().ShouldBe("sent");
        (await Reversals(byHand)).ShouldBe(0);
        await using (var session = App.Store.QuerySession(Api.Tenant))
            (await session.LoadAsync<ContractTherapy.Payments.ReceivingStripeWebhooks.ProcessedStripeEvent>("evt_stray"))!.Outcome
                .ShouldBe($"Transfer tr_stray did not pay payment {byHand} (paid by ach): nothing reversed.");

        // Sent through Stripe: only its own transfer's reversal reverses it.
        var (payment, transfer) = await SentPayment();
        (await Api.DeliverStripeEvent(ReversalEvent(payment, "tr_other", "evt_other"))).ShouldBe(200);
        (await Api.Get($"/api/payments/{payment}", role: "payroll")).Json["status"]!.GetValue<string>().ShouldBe("sent");
        (await Api.DeliverStripeEvent(App.Stripe.Reverse(transfer))).ShouldBe(200);
        (await Api.Get($"/api/payments/{payment}", role: "payroll")).Json["status"]!.GetValue<string>().ShouldBe("reversed");
        (await Reversals(payment)).ShouldBe(1);
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
        // Stripe makes the transfer and its answer stalls past the host's timeout: the transfer exists, and is reversed, while
        // the payment is still requested; the retry with the same key gets the same transfer.
        App.Stripe.Inject(new FakeStripe.CommitThenStall(TimeSpan.FromSeconds(3)));
        var approval = (await Api.Post($"/api/cycles/{cycle}/pay-run/approve", null, role: "payroll")).ShouldBe(202);
        var payment = Guid.Parse(approval.Json["payments"]![0]!["id"]!.GetValue<string>());
        var made = DateTime.UtcNow.AddSeconds(30);
        while (App.Stripe.TransfersFor(payment).Count == 0 && DateTime.UtcNow < made) await Task.Delay(20);

        var body = ReversalEvent(payment, App.Stripe.TransfersFor(payment).ShouldHaveSingleItem().Id, "evt_early");
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
        var (payment, transfer) = await SentPayment();
        var body = ReversalEvent(payment, transfer.Id, "evt_2");
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

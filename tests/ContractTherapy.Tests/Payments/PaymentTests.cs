using ContractTherapy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Payments;

public sealed class PaymentTests(AppFixture app) : IntegrationTest(app), IDisposable
{
    private FakeStripe Stripe => App.Stripe;

    public void Dispose() => App.Stripe.Reset();

    /// <summary>A closed cycle with pay stubs: Dana (payable) 340.00 and Sam (no W-9, no account) 70.00.</summary>
    private async Task<(Guid Cycle, Guid Dana, Guid Sam)> ClosedCycle(bool danaPayable = true)
    {
        Stripe.Reset();
        await Api.CyclesFrom("2026-03-02");
        var sunrise = await Api.RegisteredAgency("Sunrise HH");
        await Api.SetBillRates(sunrise, "2026-01-01", Rate("PT", "Evaluation", 150m), Rate("PT", "Routine", 95m), Rate("PT", "Discharge", 110m));
        var dana = await Api.PlacedContractor(sunrise, "Dana Kim");
        var sam = await Api.PlacedContractor(sunrise, "Sam Ortiz");
        foreach (var c in new[] { dana, sam })
            await Api.SetPayRates(c, "2026-01-01", Rate("PT", "Evaluation", 110m), Rate("PT", "Routine", 70m), Rate("PT", "Discharge", 80m),
                Rate("PT", "Routine", 75m, sunrise));
        if (danaPayable) await Api.MakePayable(dana);
        await Api.LogVisit(Visit(dana, sunrise, "2026-03-03", "Evaluation"));
        await Api.LogVisit(Visit(dana, sunrise, "2026-03-05", "Routine"));
        await Api.LogVisit(Visit(dana, sunrise, "2026-03-10", "Routine"));
        await Api.LogVisit(Visit(dana, sunrise, "2026-03-12", "Discharge"));
        await Api.LogVisit(Visit(sam, sunrise, "2026-03-05", "Routine", mrn: "SAM-1"));
        return (await Api.CloseCurrentCycle(), dana, sam);
    }

    private static System.Text.Json.Nodes.JsonNode PaymentOf(Reply approval, Guid contractor) =>
        approval.Json["payments"]!.AsArray().Single(p => p!["contractorId"]!.GetValue<string>() == contractor.ToString())!;

    [Fact]
    public async Task approving_a_pay_run_sends_each_payable_stub_through_stripe_once_and_holds_the_rest()
    {
        var (cycle, dana, sam) = await ClosedCycle();
        var approval = (await Api.ApprovePayRun(cycle)).ShouldBe(202);
        approval.Json["payments"]!.AsArray().Count.ShouldBe(2);
        var held = PaymentOf(approval, sam);
        held["status"]!.GetValue<string>().ShouldBe("held");
        held["heldReason"]!.GetValue<string>().ShouldContain("W-9");
        var danaPayment = Guid.Parse(PaymentOf(approval, dana)["id"]!.GetValue<string>());

        var sent = (await Api.Get($"/api/payments/{danaPayment}", role: "payroll")).ShouldBe(200).Json;
        sent["status"]!.GetValue<string>().ShouldBe("sent");
        sent["amount"]!.GetValue<decimal>().ShouldBe(340.00m);
        sent["method"]!.GetValue<string>().ShouldBe("stripe");
        sent["paidOn"]!.GetValue<string>().ShouldBe(TestClock.TodayIn("America/New_York").ToString("yyyy-MM-dd"));

        var transfer = Stripe.TransfersFor(danaPayment).ShouldHaveSingleItem();
        transfer.Amount.ShouldBe(34000);
        transfer.Destination.ShouldBe("acct_1Payee");
        transfer.TransferGroup.ShouldBe($"cycle-{cycle:N}");
        transfer.IdempotencyKey.ShouldContain(danaPayment.ToString("N"));
        sent["stripeTransferId"]!.GetValue<string>().ShouldBe(transfer.Id);
        Stripe.Transfers.Count.ShouldBe(1);

        // The pay stub's year-to-date paid follows the payments, a check recorded by hand included.
        var stub = Guid.Parse(sent["payStubId"]!.GetValue<string>());
        (await Api.Get($"/api/paystubs/{stub}", role: "payroll")).Json["ytdPaid"]!.GetValue<decimal>().ShouldBe(340.00m);
        await Api.AndWait(() => Api.Post("/api/payments/manual", new { contractorId = dana, amount = 60m, paidOn = "2026-04-01", method = "check", reference = "CHK 9" },
            role: "payroll"));
        await Api.AndWait(() => Api.Post("/api/payments/manual", new { contractorId = dana, amount = 999m, paidOn = "2025-12-31", method = "check", reference = "CHK 8" },
            role: "payroll"));
        (await Api.Get($"/api/paystubs/{stub}", role: "payroll")).Json["ytdPaid"]!.GetValue<decimal>().ShouldBe(400.00m);
    }

    [Fact]
    public async Task approving_again_creates_nothing_new()
    {
        var (cycle, _, _) = await ClosedCycle();
        var first = (await Api.ApprovePayRun(cycle)).ShouldBe(202).Json["payments"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()).ToList();
        var again = (await Api.ApprovePayRun(cycle)).ShouldBe(202).Json["payments"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()).ToList();
        again.ShouldBe(first, ignoreOrder: true);
        Stripe.Transfers.Count.ShouldBe(1);
        (await Api.Get("/api/payments", role: "payroll")).Json["total"]!.GetValue<long>().ShouldBe(2);
    }

    [Theory]
    [InlineData("500s")]
    [InlineData("429")]
    [InlineData("timeout-after-commit")]
    [InlineData("connection-reset")]
    [InlineData("timeout-without-commit")]
    [InlineData("idempotency-mismatch")]
    public async Task a_payment_is_sent_exactly_once_whatever_stripe_does(string fault)
    {
        var (cycle, dana, _) = await ClosedCycle();
        switch (fault)
        {
            case "500s": Stripe.Inject(new FakeStripe.ServerError(), new FakeStripe.ServerError()); break;
            case "429": Stripe.Inject(new FakeStripe.RateLimited()); break;
            case "connection-reset": Stripe.Inject(new FakeStripe.ConnectionReset()); break;
            case "timeout-without-commit": Stripe.Inject(new FakeStripe.StallWithoutCommit(TimeSpan.FromSeconds(2))); break;
            // Not a refusal: the key's first request may have made the transfer (a payout account relinked between attempts).
            case "idempotency-mismatch": Stripe.Inject(new FakeStripe.IdempotencyMismatch()); break;
            default: Stripe.Inject(new FakeStripe.CommitThenStall(TimeSpan.FromSeconds(3))); break;
        }
        var approval = await Api.ApprovePayRun(cycle);
        var payment = Guid.Parse(PaymentOf(approval, dana)["id"]!.GetValue<string>());

        (await Api.Get($"/api/payments/{payment}", role: "payroll")).Json["status"]!.GetValue<string>().ShouldBe("sent");
        Stripe.TransfersFor(payment).Count.ShouldBe(1);
        Stripe.Requests.ShouldBeGreaterThan(1);
        await using var session = App.Store.QuerySession(Api.Tenant);
        (await session.Events.FetchStreamAsync(payment)).Count(e => e.EventTypeName == "payment_sent").ShouldBe(1);
    }

    [Fact]
    public async Task a_payment_whose_sends_keep_failing_shows_the_office_why_until_it_is_sent()
    {
        var (cycle, dana, _) = await ClosedCycle();
        // Four 500s: the in-memory retries (200 ms, 1 s, 3 s) are used up and the fifth attempt is
        // the first scheduled one (30 s), which must still come after the reason was recorded.
        Stripe.Inject(new FakeStripe.ServerError(), new FakeStripe.ServerError(), new FakeStripe.ServerError(), new FakeStripe.ServerError());
        var approval = (await Api.Post($"/api/cycles/{cycle}/pay-run/approve", null, role: "payroll")).ShouldBe(202);
        var payment = Guid.Parse(PaymentOf(approval, dana)["id"]!.GetValue<string>());

        string? pending = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        System.Text.Json.Nodes.JsonNode view;
        do
        {
            view = (await Api.Get($"/api/payments/{payment}", role: "payroll")).Json;
            pending ??= view["pendingReason"]?.GetValue<string>();
            if (pending is not null && view["status"]!.GetValue<string>() == "requested") break;
            await Task.Delay(100);
        } while (DateTime.UtcNow < deadline && view["status"]!.GetValue<string>() == "requested");
        pending.ShouldNotBeNull("a requested payment whose sends keep failing must say why");
        pending.ShouldContain("Stripe has not confirmed the transfer yet");
        pending.ShouldContain("500");

        deadline = DateTime.UtcNow.AddSeconds(60);
        while ((view = (await Api.Get($"/api/payments/{payment}", role: "payroll")).Json)["status"]!.GetValue<string>() != "sent" && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        view["status"]!.GetValue<string>().ShouldBe("sent");
        view["pendingReason"].ShouldBeNull();
        Stripe.TransfersFor(payment).Count.ShouldBe(1);
        await using var session = App.Store.QuerySession(Api.Tenant);
        (await session.Events.FetchStreamAsync(payment)).Count(e => e.EventTypeName == "payment_send_delayed").ShouldBe(1);
    }

    [Fact]
    public async Task a_redelivered_send_message_does_not_pay_twice()
    {
        var (cycle, dana, _) = await ClosedCycle();
        var payment = Guid.Parse(PaymentOf(await Api.ApprovePayRun(cycle), dana)["id"]!.GetValue<string>());
        using var scope = App.Host.Services.CreateScope();
        var bus = scope.ServiceProvider.GetRequiredService<Wolverine.IMessageBus>();
        await bus.InvokeForTenantAsync(Api.Tenant, new ContractTherapy.Payments.Payments.SendPayment(payment));
        await bus.InvokeForTenantAsync(Api.Tenant, new ContractTherapy.Payments.Payments.SendPayment(payment));
        Stripe.TransfersFor(payment).Count.ShouldBe(1);
    }

    [Fact]
    public async Task a_refusal_fails_the_payment_with_stripes_message_and_a_retry_sends_it()
    {
        var (cycle, dana, _) = await ClosedCycle();
        Stripe.Inject(new FakeStripe.Refuse("The destination account is not enabled for transfers."));
        var payment = Guid.Parse(PaymentOf(await Api.ApprovePayRun(cycle), dana)["id"]!.GetValue<string>());
        var failed = (await Api.Get($"/api/payments/{payment}", role: "payroll")).Json;
        failed["status"]!.GetValue<string>().ShouldBe("failed");
        failed["failureReason"]!.GetValue<string>().ShouldContain("not enabled for transfers");
        Stripe.TransfersFor(payment).ShouldBeEmpty();

        (await Api.AndWait(() => Api.Post($"/api/payments/{payment}/retry", null, role: "payroll"))).ShouldBe(202);
        (await Api.Get($"/api/payments/{payment}", role: "payroll")).Json["status"]!.GetValue<string>().ShouldBe("sent");
        Stripe.TransfersFor(payment).Count.ShouldBe(1);
    }

    [Fact]
    public async Task a_contractor_reads_why_their_payment_waits_in_their_own_terms_not_the_offices_or_stripes()
    {
        var (cycle, dana, sam) = await ClosedCycle();
        Stripe.Inject(new FakeStripe.Refuse("The destination account acct_1Payee is not enabled for transfers."));
        var approval = await Api.ApprovePayRun(cycle);
        var (failed, held) = (Guid.Parse(PaymentOf(approval, dana)["id"]!.GetValue<string>()), Guid.Parse(PaymentOf(approval, sam)["id"]!.GetValue<string>()));

        // The office reads the reasons whole.
        (await Api.Get($"/api/payments/{held}", role: "payroll")).Json["heldReason"]!.GetValue<string>().ShouldBe("No W-9 is on file for the contractor.");
        (await Api.Get($"/api/payments/{failed}", role: "payroll")).Json["failureReason"]!.GetValue<string>().ShouldContain("acct_1Payee");

        // Each contractor reads theirs as what they can do, or that the office is on it: one by one and in their list.
        var samReads = (await Api.Get($"/api/payments/{held}", role: "contractor", contractorId: sam)).ShouldBe(200).Json;
        samReads["heldReason"]!.GetValue<string>().ShouldBe("Waiting for your W-9: send it to the office.");
        (await Api.Get("/api/payments", role: "contractor", contractorId: sam)).Json["items"]![0]!["heldReason"]!.GetValue<string>()
            .ShouldBe("Waiting for your W-9: send it to the office.");
        var danaReads = (await Api.Get("/api/payments", role: "contractor", contractorId: dana)).ShouldBe(200);
        danaReads.Json["items"]![0]!["failureReason"]!.GetValue<string>().ShouldBe("The office is arranging this payment.");
        danaReads.Body.ShouldNotContain("acct_1Payee");
        danaReads.Body.ShouldNotContain("not enabled for transfers");
    }

    [Fact]
    public async Task a_held_payment_is_retried_once_its_reason_is_fixed()
    {
        var (cycle, _, sam) = await ClosedCycle();
        var payment = Guid.Parse(PaymentOf(await Api.ApprovePayRun(cycle), sam)["id"]!.GetValue<string>());
        (await Api.Post($"/api/payments/{payment}/retry", null, role: "payroll")).ShouldBeProblem(422).Body.ShouldContain("W-9");

        await Api.MakePayable(sam, "234-56-7890", "acct_1Sam");
        (await Api.AndWait(() => Api.Post($"/api/payments/{payment}/retry", null, role: "payroll"))).ShouldBe(202);
        var sent = (await Api.Get($"/api/payments/{payment}", role: "payroll")).Json;
        sent["status"]!.GetValue<string>().ShouldBe("sent");
        sent["amount"]!.GetValue<decimal>().ShouldBe(75m);
        Stripe.TransfersFor(payment).ShouldHaveSingleItem().Destination.ShouldBe("acct_1Sam");
        (await Api.Post($"/api/payments/{payment}/retry", null, role: "payroll")).ShouldBeProblem(409);
    }

    [Fact]
    public async Task a_held_payment_paid_by_hand_is_paid_once_and_is_never_sent_through_stripe()
    {
        var (cycle, _, sam) = await ClosedCycle();
        var payment = Guid.Parse(PaymentOf(await Api.ApprovePayRun(cycle), sam)["id"]!.GetValue<string>());
        var check = new { paidOn = "2026-03-20", method = "Check", reference = " CHK 3001 " };

        var paid = (await Api.AndWait(() => Api.Post($"/api/payments/{payment}/paid-by-hand", check, role: "payroll"))).ShouldBe(200).Json;
        paid["status"]!.GetValue<string>().ShouldBe("sent");
        paid["method"]!.GetValue<string>().ShouldBe("check");
        paid["reference"]!.GetValue<string>().ShouldBe("CHK 3001");
        paid["paidOn"]!.GetValue<string>().ShouldBe("2026-03-20");
        paid["amount"]!.GetValue<decimal>().ShouldBe(75m);
        paid["heldReason"].ShouldBeNull();
        (await Api.Get($"/api/payments/{payment}", role: "payroll")).Json["status"]!.GetValue<string>().ShouldBe("sent");

        // Its hold lifted, a retry would pay the therapist a second time: refused, and nothing reaches Stripe.
        await Api.MakePayable(sam, "234-56-7890", "acct_1Sam");
        (await Api.Post($"/api/payments/{payment}/retry", null, role: "payroll")).ShouldBeProblem(409);
        (await Api.Post($"/api/payments/{payment}/paid-by-hand", check, role: "payroll")).ShouldBeProblem(409).Body.ShouldContain("sent");
        Stripe.TransfersFor(payment).ShouldBeEmpty();

        // Counted once: the payments of the year, the 1099 total, the year to date on the pay stub.
        (await Api.Get($"/api/payments?contractorId={sam}&year=2026", role: "accountant")).Json["total"]!.GetValue<long>().ShouldBe(1);
        (await Api.TaxReport("/api/tax/1099-nec/2026", role: "accountant")).ShouldBe(200).Json["contractors"]!.AsArray()
            .Single(c => c!["contractorId"]!.GetValue<string>() == sam.ToString())!["total"]!.GetValue<decimal>().ShouldBe(75m);
        var stub = paid["payStubId"]!.GetValue<string>();
        (await Api.Get($"/api/paystubs/{stub}", role: "payroll")).Json["ytdPaid"]!.GetValue<decimal>().ShouldBe(75m);
    }

    [Fact]
    public async Task only_a_held_or_failed_payment_is_paid_by_hand_and_a_refusal_changes_nothing()
    {
        var (cycle, dana, sam) = await ClosedCycle();
        var approval = await Api.ApprovePayRun(cycle);
        var sent = Guid.Parse(PaymentOf(approval, dana)["id"]!.GetValue<string>());
        var held = Guid.Parse(PaymentOf(approval, sam)["id"]!.GetValue<string>());
        var check = new { paidOn = "2026-03-20", method = "check", reference = "CHK 1" };

        (await Api.Post($"/api/payments/{sent}/paid-by-hand", check, role: "payroll")).ShouldBeProblem(409);
        (await Api.Post($"/api/payments/{Guid.NewGuid()}/paid-by-hand", check, role: "payroll")).ShouldBeProblem(404);
        (await Api.Post($"/api/payments/{held}/paid-by-hand", check, role: "accountant")).ShouldBeProblem(403);
        (await Api.Post($"/api/payments/{held}/paid-by-hand", new { paidOn = "2099-01-01", method = "check", reference = "CHK 1" }, role: "payroll"))
            .ShouldBeProblem(400, "paidOn");
        (await Api.Post($"/api/payments/{held}/paid-by-hand", new { paidOn = "2026-03-20", method = "bitcoin" }, role: "payroll"))
            .ShouldBeProblem(400, "method", "reference");
        var still = (await Api.Get($"/api/payments/{held}", role: "payroll")).Json;
        still["status"]!.GetValue<string>().ShouldBe("held");
        still["heldReason"]!.GetValue<string>().ShouldContain("W-9");
        (await Api.Get($"/api/payments/{sent}", role: "payroll")).Json["method"]!.GetValue<string>().ShouldBe("stripe");
    }

    [Fact]
    public async Task a_held_payment_whose_send_may_have_reached_stripe_is_not_paid_by_hand()
    {
        var (cycle, _, sam) = await ClosedCycle();
        var payment = Guid.Parse(PaymentOf(await Api.ApprovePayRun(cycle), sam)["id"]!.GetValue<string>());
        // As a send leaves it when Stripe was called with the payment's key and the answer was never seen, and the
        // redelivery then held the payment (its payee deactivated meanwhile, say): the transfer may exist.
        await using (var session = App.Store.LightweightSession(Api.Tenant))
        {
            var key = (await session.LoadAsync<ContractTherapy.Payments.Payments.Payment>(payment))!.IdempotencyKey;
            session.Store(new ContractTherapy.Payments.SendingPayments.StripeSendAttempt(payment, key));
            await session.SaveChangesAsync();
        }
        (await Api.Post($"/api/payments/{payment}/paid-by-hand", new { paidOn = "2026-03-20", method = "check", reference = "CHK 9" }, role: "payroll"))
            .ShouldBeProblem(409).Body.ShouldContain("may exist");
        (await Api.Get($"/api/payments/{payment}", role: "payroll")).Json["status"]!.GetValue<string>().ShouldBe("held");
    }

    [Fact]
    public async Task every_send_is_recorded_before_stripe_is_called_under_the_key_it_uses()
    {
        var (cycle, dana, _) = await ClosedCycle();
        var payment = Guid.Parse(PaymentOf(await Api.ApprovePayRun(cycle), dana)["id"]!.GetValue<string>());
        var transfer = Stripe.TransfersFor(payment).ShouldHaveSingleItem();
        await using var session = App.Store.QuerySession(Api.Tenant);
        (await session.LoadAsync<ContractTherapy.Payments.SendingPayments.StripeSendAttempt>(payment))!.IdempotencyKey.ShouldBe(transfer.IdempotencyKey);
    }

    [Fact]
    public async Task a_payment_stripe_refused_can_be_paid_by_hand_instead()
    {
        var (cycle, dana, _) = await ClosedCycle();
        Stripe.Inject(new FakeStripe.Refuse("The destination account is not enabled for transfers."));
        var payment = Guid.Parse(PaymentOf(await Api.ApprovePayRun(cycle), dana)["id"]!.GetValue<string>());
        (await Api.Get($"/api/payments/{payment}", role: "payroll")).Json["status"]!.GetValue<string>().ShouldBe("failed");

        var paid = (await Api.AndWait(() => Api.Post($"/api/payments/{payment}/paid-by-hand",
            new { paidOn = "2026-03-21", method = "ach", reference = "ACH 77" }, role: "owner"))).ShouldBe(200).Json;
        paid["status"]!.GetValue<string>().ShouldBe("sent");
        paid["failureReason"].ShouldBeNull();
        (await Api.Post($"/api/payments/{payment}/retry", null, role: "payroll")).ShouldBeProblem(409);
        Stripe.TransfersFor(payment).ShouldBeEmpty();
    }

    [Fact]
    public async Task a_pay_run_of_an_open_or_unknown_cycle_cannot_be_approved()
    {
        await Api.CyclesFrom("2026-03-02");
        var open = (await Api.CurrentCycle()).IdOf();
        (await Api.Post($"/api/cycles/{open}/pay-run/approve", null, role: "payroll")).ShouldBeProblem(409);
        (await Api.Post($"/api/cycles/{Guid.NewGuid()}/pay-run/approve", null, role: "payroll")).ShouldBeProblem(404);
        (await Api.Post($"/api/cycles/{open}/pay-run/approve", null, role: "billing")).ShouldBeProblem(403);
    }

    [Fact]
    public async Task manual_payments_are_recorded_with_method_and_reference()
    {
        var dana = await Api.OnboardedContractor();
        var reply = (await Api.Post("/api/payments/manual", new { contractorId = dana, amount = 120.50m, paidOn = "2026-03-18", method = "check", reference = "CHK 2001" },
            role: "payroll")).ShouldBe(201).Json;
        reply["status"]!.GetValue<string>().ShouldBe("sent");
        reply["method"]!.GetValue<string>().ShouldBe("check");
        reply["reference"]!.GetValue<string>().ShouldBe("CHK 2001");

        (await Api.Post("/api/payments/manual", new { contractorId = dana, amount = 1m, paidOn = "2026-03-18", method = "bitcoin", reference = "x" },
            role: "payroll")).ShouldBeProblem(400, "method");
        (await Api.Post("/api/payments/manual", new { contractorId = dana, amount = 1.001m, paidOn = "2026-03-18", method = "ach", reference = "x" },
            role: "payroll")).ShouldBeProblem(400, "amount");
        (await Api.Post("/api/payments/manual", new { contractorId = Guid.NewGuid(), amount = 1m, paidOn = "2026-03-18", method = "ach", reference = "x" },
            role: "payroll")).ShouldBeProblem(422);
        (await Api.Post("/api/payments/manual", new { contractorId = dana, amount = 1m, paidOn = "2026-03-18", method = "ach", reference = "x" },
            role: "accountant")).ShouldBeProblem(403);

        (await Api.Get($"/api/payments?contractorId={dana}&year=2026", role: "accountant")).Json["total"]!.GetValue<long>().ShouldBe(1);
        (await Api.Get($"/api/payments?year=2025", role: "accountant")).Json["total"]!.GetValue<long>().ShouldBe(0);
        (await Api.Get("/api/payments", role: "contractor", contractorId: Guid.NewGuid())).Json["total"]!.GetValue<long>().ShouldBe(0);
    }
}

public sealed class EarningsTests(AppFixture app) : IntegrationTest(app)
{
    [Fact]
    public async Task payments_noted_at_the_same_moment_for_one_contractor_all_count()
    {
        var dana = await Api.OnboardedContractor();
        await Api.AndWait(async () =>
        {
            var replies = await Task.WhenAll(Enumerable.Range(1, 6).Select(i => Api.Post("/api/payments/manual",
                new { contractorId = dana, amount = 10m * i, paidOn = "2026-05-01", method = "ach", reference = $"ACH {i}" }, role: "payroll")));
            replies.ShouldAllBe(r => r.Status == 201);
            return replies[0];
        });
        await using var session = App.Store.QuerySession(Api.Tenant);
        var earnings = await session.LoadAsync<ContractTherapy.Payroll.Earnings.ContractorEarnings>(
            ContractTherapy.Payroll.Earnings.ContractorEarnings.IdFor(dana));
        earnings!.PaidInYear(2026, new DateOnly(2026, 12, 31)).ShouldBe(210m);
    }
}

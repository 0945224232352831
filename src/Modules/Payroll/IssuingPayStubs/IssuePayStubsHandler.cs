using ContractTherapy.Payroll.PayRuns;
using Marten;

namespace ContractTherapy.Payroll.IssuingPayStubs;

/// <summary>
/// Issues the pay stubs of a closed cycle on its pay run stream. Redelivery of the message is
/// harmless: a pay run that exists already is left as it is.
/// </summary>
public static class IssuePayStubsHandler
{
    public static async Task Handle(PayStubsDue message, IDocumentSession session, CancellationToken ct)
    {
        var payRunId = PayStub.PayRunIdFor(message.CycleId);
        if (await session.Events.FetchStreamStateAsync(payRunId, ct) is not null) return;
        if (message.Stubs.Count == 0) return;

        session.Events.StartStream<PayRun>(payRunId, message.Stubs
            .Select(s => (object)new PayStubIssued(s.PayStubId, payRunId, message.CycleId, s.ContractorId, s.ContractorName,
                message.PeriodStart, message.PeriodEnd, message.IssuedOn, s.Lines))
            .ToArray());
    }
}

using ContractTherapy.Payroll.PayRuns;
using Marten;

namespace ContractTherapy.Payroll.IssuingPayStubs;

/// <summary>
/// Issues the pay stubs of a closed cycle on its pay run stream. The close issues them in its own
/// transaction (<see cref="Issue"/>); the message handler remains for <see cref="PayStubsDue"/>
/// messages a host before that change left in the durable inbox. Redelivery of the message is
/// harmless: a pay run that exists already is left as it is.
/// </summary>
public static class IssuePayStubsHandler
{
    public static async Task Handle(PayStubsDue message, IDocumentSession session, CancellationToken ct)
    {
        var payRunId = PayStub.PayRunIdFor(message.CycleId);
        if (await session.Events.FetchStreamStateAsync(payRunId, ct) is not null) return;
        Issue(session, message);
    }

    /// <summary>
    /// Starts the cycle's pay run stream with one <see cref="PayStubIssued"/> per stub, in the caller's
    /// session: the close's, so that the stubs commit (or not) with the invoices. A pay run that exists
    /// already makes the commit fail (the stream is started, not appended to).
    /// </summary>
    public static void Issue(IDocumentSession session, PayStubsDue due)
    {
        if (due.Stubs.Count == 0) return;
        var payRunId = PayStub.PayRunIdFor(due.CycleId);
        session.Events.StartStream<PayRun>(payRunId, due.Stubs
            .Select(s => (object)new PayStubIssued(s.PayStubId, payRunId, due.CycleId, s.ContractorId, s.ContractorName,
                due.PeriodStart, due.PeriodEnd, due.IssuedOn, s.Lines))
            .ToArray());
    }
}

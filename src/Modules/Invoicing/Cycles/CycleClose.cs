using ContractTherapy.Invoicing.Billing;
using ContractTherapy.Invoicing.Invoices;
using ContractTherapy.Shared.Domain;
using ContractTherapy.Shared.Persistence;
using ContractTherapy.Shared.Tenancy;

namespace ContractTherapy.Invoicing.Cycles;

/// <summary>A visit the close cannot take, and what it lacks.</summary>
public sealed record BlockingVisit(Guid VisitId, DateOnly VisitDate, Guid AgencyId, Guid ContractorId, Discipline Discipline, VisitType VisitType,
    IReadOnlyList<string> Missing);

/// <summary>What closing the cycle would produce (or produced): the close event, the invoices, the pay stubs, the next cycle.</summary>
public sealed record ClosePlan(
    CycleClosed Closed,
    IReadOnlyList<InvoiceIssued> Invoices,
    IReadOnlyList<PayStubPlan> PayStubs,
    CycleOpened Next,
    IReadOnlyList<BlockingVisit> Blocking,
    int AwaitingSignature);

public sealed record PayStubPlan(Guid PayStubId, Guid ContractorId, string ContractorName, IReadOnlyList<ClosedLine> Lines)
{
    public decimal Total => Lines.Sum(l => l.PayAmount + l.MileageAmount);
}

/// <summary>
/// The close decider (pure): from the cycle, the visits it may take, the rate books and the
/// settings, the lines with the rates resolved on each visit's date. Money: each line's amount
/// is its rate (visits count one each); mileage is rounded once per line; totals are sums.
/// </summary>
public static class CycleClose
{
    public static ClosePlan Plan(
        BillingCycle cycle,
        IReadOnlyList<BillableVisit> uninvoiced,
        IReadOnlyList<BillableVisit> changedSinceInvoiced,
        IReadOnlyDictionary<Guid, ClosedLine> billedLines,
        IReadOnlyDictionary<Guid, AgencyTerms> agencies,
        IReadOnlyDictionary<Guid, ContractorPayBook> contractors,
        TenantSettings settings,
        DateOnly today,
        DateTimeOffset now,
        string tenant)
    {
        var lines = new List<ClosedLine>();
        var blocking = new List<BlockingVisit>();
        var awaitingSignature = 0;

        foreach (var v in uninvoiced.OrderBy(v => v.VisitDate).ThenBy(v => v.Id))
        {
            if (v.Voided || v.VisitDate > cycle.PeriodEnd) continue;
            if (settings.RequireSignedNote && !v.NoteSigned)
            {
                awaitingSignature++;
                continue;
            }
            var kind = v.VisitDate < cycle.PeriodStart ? LineKind.Late : LineKind.Visit;
            var line = Bill(v, kind, isReversal: false, reason: null, agencies, contractors, blocking);
            if (line is not null) lines.Add(line);
        }

        // Each invoiced visit changed since, as it is now (its changes over the line it was last billed on).
        var changed = changedSinceInvoiced.Select(v => (Visit: v, Billed: billedLines[v.Id]))
            .Where(c => !c.Billed.IsReversal)
            .Select(c => (Now: c.Visit.Now(c.Billed), c.Billed))
            .Where(c => c.Now.NeedsAdjustmentFrom(c.Billed));
        foreach (var (v, billed) in changed.OrderBy(c => c.Now.VisitDate).ThenBy(c => c.Now.Id))
        {
            var reason = v.LastChangeReason ?? (v.Voided ? Adjustments.VoidedReason : Adjustments.CorrectedReason);
            var rebill = v.Voided ? null : Bill(v, LineKind.Adjustment, isReversal: false, reason, agencies, contractors, blocking);
            if (!v.Voided && rebill is null) continue;
            lines.Add(Reverse(billed, reason));
            if (rebill is not null) lines.Add(rebill);
        }

        var invoices = new List<InvoiceIssued>();
        var number = cycle.NextInvoiceNumber;
        foreach (var group in lines.GroupBy(l => l.AgencyId).OrderBy(g => agencies[g.Key].Name, StringComparer.Ordinal).ThenBy(g => g.Key))
        {
            var agency = agencies[group.Key];
            invoices.Add(new InvoiceIssued(Invoice.IdFor(cycle.Id, agency.Id), $"INV-{today.Year}-{number++:D6}", agency.Id, agency.Name,
                cycle.Id, cycle.PeriodStart, cycle.PeriodEnd, today, today.AddDays(agency.PaymentTermsDays), group.Select(InvoiceLine.Of).ToList()));
        }

        var payStubs = lines.GroupBy(l => l.ContractorId)
            .OrderBy(g => contractors[g.Key].Name, StringComparer.Ordinal).ThenBy(g => g.Key)
            .Select(g => new PayStubPlan(StreamIds.For("pay-stub", $"{cycle.Id:N}:{g.Key:N}"), g.Key, contractors[g.Key].Name, g.ToList()))
            .ToList();

        var nextStart = cycle.PeriodEnd.AddDays(1);
        var (_, nextEnd) = CycleCalendar.PeriodFrom(nextStart, settings.BillingCycle.Frequency);
        var nextId = BillingCycle.IdFor(tenant, nextStart);
        var next = new CycleOpened(nextId, nextStart, nextEnd, settings.BillingCycle.Frequency, number);

        // The pay run's stream starts with one PayStubIssued per stub, in this order (IssuePayStubsHandler.Issue).
        var closed = new CycleClosed(cycle.Id, cycle.PeriodStart, cycle.PeriodEnd, today, now, lines.Select(CycleLine.Of).ToList(),
            invoices.Select(i => new IssuedInvoiceRef(i.InvoiceId, i.Number, i.AgencyId)).ToList(),
            payStubs.Select((p, i) => new IssuedPayStubRef(p.PayStubId, p.ContractorId, i + 1)).ToList(), nextId,
            payStubs.Count > 0 ? Payroll.PayRuns.PayStub.PayRunIdFor(cycle.Id) : null);
        return new ClosePlan(closed, invoices, payStubs, next, blocking, awaitingSignature);
    }

    private static ClosedLine? Bill(BillableVisit v, LineKind kind, bool isReversal, string? reason,
        IReadOnlyDictionary<Guid, AgencyTerms> agencies, IReadOnlyDictionary<Guid, ContractorPayBook> contractors, List<BlockingVisit> blocking)
    {
        var missing = new List<string>();
        agencies.TryGetValue(v.AgencyId, out var agency);
        contractors.TryGetValue(v.ContractorId, out var book);
        var bill = agency?.BillRate(v.VisitDate, v.Discipline, v.VisitType);
        var pay = book?.PayRate(v.VisitDate, v.AgencyId, v.Discipline, v.VisitType);
        if (bill is null) missing.Add("billRate");
        if (pay is null) missing.Add("payRate");
        if (agency is null || book is null || bill is null || pay is null)
        {
            blocking.Add(new BlockingVisit(v.Id, v.VisitDate, v.AgencyId, v.ContractorId, v.Discipline, v.VisitType, missing));
            return null;
        }
        var mileageRate = book.MileageRate(v.VisitDate);
        return new ClosedLine(v.Id, kind, isReversal, v.AgencyId, agency.Name, v.ContractorId, book.Name, v.VisitDate, v.Discipline, v.VisitType,
            v.Patient!, bill.Amount, bill.Amount, bill.RateSetId, pay.Amount, pay.Amount, pay.RateSetId, pay.IsAgencyOverride,
            v.Miles, mileageRate, Money.Round(v.Miles * mileageRate), reason);
    }

    /// <summary>Credits exactly what was billed and paid for the visit before: its line (<paramref name="billed"/>, from its last close's event), amounts negated.</summary>
    private static ClosedLine Reverse(ClosedLine billed, string reason) => billed with
    {
        Kind = LineKind.Adjustment,
        IsReversal = true,
        BillAmount = -billed.BillAmount,
        PayAmount = -billed.PayAmount,
        MileageAmount = -billed.MileageAmount,
        Reason = reason,
    };
}

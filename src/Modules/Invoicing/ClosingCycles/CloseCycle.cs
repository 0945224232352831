using ContractTherapy.Invoicing.Billing;
using ContractTherapy.Invoicing.Cycles;
using ContractTherapy.Invoicing.NotifyingAgencies;
using ContractTherapy.Payroll.IssuingPayStubs;
using ContractTherapy.Payroll.PayRuns;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Persistence;
using ContractTherapy.Shared.Security;
using ContractTherapy.Shared.Tenancy;
using ContractTherapy.Visits.InvoicingVisits;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace ContractTherapy.Invoicing.ClosingCycles;

/// <summary>
/// The invoices and the pay stubs exist when the close answers. The visits' <c>invoiced</c> status
/// follows within moments (messages to Visits): <c>invoicedVisits</c> are the ids that will show,
/// so a screen can say "updating" until they do.
/// </summary>
public sealed record CloseResult(Guid CycleId, IReadOnlyList<Guid> Invoices, IReadOnlyList<Guid> PayStubs, Guid NextCycleId,
    IReadOnlyList<Guid> InvoicedVisits);

public sealed record PreviewDocument(Guid Id, Guid PartyId, string Name, int Lines, decimal Total);

public sealed record CyclePreview(Guid CycleId, DateOnly PeriodStart, DateOnly PeriodEnd, bool CanClose, string? CannotCloseBecause,
    IReadOnlyList<PreviewDocument> Invoices, IReadOnlyList<PreviewDocument> PayStubs, IReadOnlyList<BlockingVisit> BlockingVisits,
    int VisitsAwaitingSignature);

/// <summary>
/// Closing a cycle. Everything the close writes (the cycle's CycleClosed, the next cycle, each
/// invoice's stream, the pay run's stubs, the delete of its visits' billable documents, the messages to Visits, each invoice's notice)
/// commits in one transaction; two closes
/// of the same cycle race on the cycle stream's version and the loser gets 409.
/// </summary>
public static class CloseCycleEndpoints
{
    /// <summary>
    /// Visits per <see cref="VisitsInvoiced"/> message. One message of 50,000 visits made one handler session append
    /// 50,000 events, and Marten looks each stream up among those already in the session and compares each queued
    /// document with those already queued: quadratic, minutes of CPU beside the close's readers.
    /// </summary>
    public const int VisitsInvoicedPart = 1000;

    /// <summary>The messages to Visits: each is its own handler transaction, of a size Marten's unit of work handles in linear time.</summary>
    public static IReadOnlyList<VisitsInvoiced> VisitsInvoicedParts(Guid cycleId, IReadOnlyList<Guid> visits) =>
        visits.Chunk(VisitsInvoicedPart).Select(part => new VisitsInvoiced(cycleId, part)).ToList();

    [WolverinePost("/api/cycles/{id}/close"), Authorize(Policy = Policies.CyclesWrite), Tags("Cycles")]
    [ProducesResponseType<CloseResult>(StatusCodes.Status200OK)]
    public static async Task<IResult> Close(Guid id, HttpContext http, IDocumentSession session, IMessageBus bus, TimeProvider clock, CancellationToken ct)
    {
        var tenant = Caller.From(http.User).TenantId;
        await session.SerializeBillingChangesAsync(tenant, ct);
        await session.CompressQuicklyAsync(ct);
        var stream = await session.Events.FetchForWriting<BillingCycle>(id, ct);
        var cycle = stream.Aggregate;
        if (cycle is null) return Problems.NotFound("cycle", id);
        if (cycle.Status == CycleStatus.Closed) return Problems.Conflict($"The cycle {cycle.PeriodStart:yyyy-MM-dd}..{cycle.PeriodEnd:yyyy-MM-dd} is already closed.");

        var (plan, settings, today, read) = await PlanAsync(session, cycle, tenant, clock, ct);
        if (today <= cycle.PeriodEnd)
            return Problems.Refused("cycle-period-over",
                $"The cycle ends on {cycle.PeriodEnd:yyyy-MM-dd}; it can close once that day is over in {settings.TimeZone} (today is {today:yyyy-MM-dd}).");
        if (plan.Blocking.Count > 0)
            return Problems.Refused("rates-applicable",
                $"{plan.Blocking.Count} visit(s) have no applicable bill or pay rate on their date; set the rates, then close.",
                new Dictionary<string, object?> { ["blockingVisits"] = plan.Blocking });

        stream.AppendOne(plan.Closed);
        InvoicedByClose.Queue(session, plan.Closed, read);
        session.Events.StartStream<BillingCycle>(plan.Next.CycleId, plan.Next);
        foreach (var invoice in plan.Invoices)
        {
            session.Events.StartStream<Invoices.Invoice>(invoice.InvoiceId, invoice);
            await bus.PublishAsync(new SendInvoiceNotice(invoice.InvoiceId));
        }

        // Payroll's pay stubs commit with the close (a message of every line, 25 MB at 50,000 visits, took the
        // outbox write, the reload and the handler's own transaction before a stub could be read).
        IssuePayStubsHandler.Issue(session, new PayStubsDue(cycle.Id, cycle.PeriodStart, cycle.PeriodEnd, today,
            plan.PayStubs.Select(p => new PayStubDue(p.PayStubId, p.ContractorId, p.ContractorName, p.Lines.Select(ToPayLine).ToList())).ToList()));
        var invoicedVisits = plan.Closed.Lines.Select(l => l.VisitId).Distinct().ToList();
        foreach (var part in VisitsInvoicedParts(cycle.Id, invoicedVisits))
            await bus.PublishAsync(part);

        return Results.Ok(new CloseResult(cycle.Id, plan.Invoices.Select(i => i.InvoiceId).ToList(),
            plan.PayStubs.Select(p => p.PayStubId).ToList(), plan.Next.CycleId, invoicedVisits));
    }

    [WolverineGet("/api/cycles/{id}/preview"), Authorize(Policy = Policies.CyclesRead), Tags("Cycles")]
    [ProducesResponseType<CyclePreview>(StatusCodes.Status200OK)]
    public static async Task<IResult> Preview(Guid id, HttpContext http, IDocumentSession session, TimeProvider clock, CancellationToken ct)
    {
        var tenant = Caller.From(http.User).TenantId;
        var cycle = await session.LoadAsync<BillingCycle>(id, ct);
        if (cycle is null) return Problems.NotFound("cycle", id);
        if (cycle.Status == CycleStatus.Closed) return Problems.Conflict("The cycle is closed; its invoices and pay stubs exist.");

        var (plan, settings, today, _) = await PlanAsync(session, cycle, tenant, clock, ct);
        string? because = today <= cycle.PeriodEnd ? $"The cycle's last day ({cycle.PeriodEnd:yyyy-MM-dd}) is not over in {settings.TimeZone}."
            : plan.Blocking.Count > 0 ? "Some visits have no applicable rate." : null;
        return Results.Ok(new CyclePreview(cycle.Id, cycle.PeriodStart, cycle.PeriodEnd, because is null, because,
            plan.Invoices.Select(i => new PreviewDocument(i.InvoiceId, i.AgencyId, i.AgencyName, i.Lines.Count, i.Lines.Sum(l => l.BillAmount))).ToList(),
            plan.PayStubs.Select(p => new PreviewDocument(p.PayStubId, p.ContractorId, p.ContractorName, p.Lines.Count, p.Total)).ToList(),
            plan.Blocking, plan.AwaitingSignature));
    }

    /// <summary>The plan, and the billable visits it was made from (as read in the caller's transaction).</summary>
    private static async Task<(ClosePlan Plan, TenantSettings Settings, DateOnly Today, IReadOnlyList<BillableVisit> Read)> PlanAsync(IDocumentSession session, BillingCycle cycle,
        string tenant, TimeProvider clock, CancellationToken ct)
    {
        var settings = await session.SettingsRecordingDefaults(tenant, clock, ct);
        var today = clock.TodayIn(settings.TimeZone);
        var end = cycle.PeriodEnd;
        var uninvoiced = await BillableVisitQueries.NotInvoiced(session, end).ToListAsync(ct);
        var changed = await BillableVisitQueries.ChangedSinceInvoicedAsync(session, ct);
        var billedLines = await BilledLines.ReadAsync(session, changed, ct);

        // The reversals' agencies and every changed visit's contractor are those of the lines they were billed on.
        var agencyIds = uninvoiced.Select(v => v.AgencyId).Concat(changed.Where(v => v.Corrected).Select(v => v.AgencyId))
            .Concat(billedLines.Values.Select(l => l.AgencyId)).Distinct().ToArray();
        var contractorIds = uninvoiced.Select(v => v.ContractorId).Concat(billedLines.Values.Select(l => l.ContractorId)).Distinct().ToArray();
        var agencies = (await session.LoadManyAsync<AgencyTerms>(ct, agencyIds)).ToDictionary(a => a.Id);
        var contractors = (await session.LoadManyAsync<ContractorPayBook>(ct, contractorIds)).ToDictionary(c => c.Id);

        var plan = CycleClose.Plan(cycle, uninvoiced, changed, billedLines, agencies, contractors, settings, today, clock.GetUtcNow(), tenant);
        return (plan, settings, today, [.. uninvoiced, .. changed]);
    }

    private static PayStubLine ToPayLine(ClosedLine l) => new(l.VisitId, l.Kind.ToString().ToLowerInvariant(), l.VisitDate, l.AgencyId,
        l.AgencyName, l.Patient.Initials, l.Discipline, l.VisitType, l.PayRate, l.PayAmount, l.Miles, l.MileageRate, l.MileageAmount, l.Reason,
        l.IsReversal ? true : null);
}

using Marten.Pagination;
using ContractTherapy.Invoicing.Invoices;
using ContractTherapy.Shared.Audit;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using ContractTherapy.Shared.Tenancy;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Invoicing.ViewingInvoices;

/// <summary>
/// Invoices for billing staff and, in the portal, for the agency they are addressed to (another
/// agency's answer 404). An agency's view is recorded on the invoice (<c>InvoiceViewed</c>);
/// reads of patient data are recorded in the PHI access log.
/// </summary>
public static class ViewInvoicesEndpoints
{
    private static readonly Choice Statuses = new(["issued", "partiallyPaid", "paid", "overdue"]);

    [WolverineGet("/api/invoices"), Authorize(Policy = Policies.InvoicesRead), Tags("Invoices")]
    [ProducesResponseType<PagedResult<InvoiceView>>(StatusCodes.Status200OK)]
    public static async Task<IResult> List(Guid? cycleId, Guid? agencyId, [OneOf("issued", "partiallyPaid", "paid", "overdue")] string? status, int? page, int? pageSize, HttpContext http,
        IDocumentSession session, FieldCipher cipher, TimeProvider clock, CancellationToken ct)
    {
        var v = new Validation();
        var (p, size) = Paging.Read(page, pageSize, v);
        status = v.Read("status", status, Statuses);
        if (!v.IsValid) return Results.Problem(v.ToProblem());

        var caller = Caller.From(http.User);
        var query = session.Query<Invoice>().AsQueryable();
        if (caller.Role == Roles.Agency)
        {
            var own = caller.AgencyId!.Value;
            query = query.Where(i => i.AgencyId == own);
        }
        if (cycleId is { } c) query = query.Where(i => i.CycleId == c);
        if (agencyId is { } a) query = query.Where(i => i.AgencyId == a);

        var today = await Today(session, caller, clock, ct);
        var ordered = query.OrderByDescending(i => i.IssuedOn).ThenBy(i => i.Number);
        IReadOnlyList<Invoice> items;
        long total;
        if (status is null)
        {
            // Paged in the database; only the page's invoices have their lines read.
            var paged = await ordered.ToPagedListAsync(p, size, ct);
            (items, total) = (paged.ToList(), paged.TotalItemCount);
        }
        else
        {
            // Status depends on today's date, so it filters in memory after the database filters.
            var all = (await ordered.ToListAsync(ct)).Where(i => i.StatusOn(today) == status).ToList();
            (items, total) = (all.Skip((p - 1) * size).Take(size).ToList(), all.Count);
        }
        items = await session.WithLinesAsync(items, ct);
        var withPhi = items.Where(caller.MaySeePatients).Select(i => i.Id).ToList();
        session.RecordPhiRead(caller, clock.GetUtcNow(), "GET /api/invoices", "invoice", withPhi);
        return Results.Ok(new PagedResult<InvoiceView>(items.Select(i => i.View(caller, cipher, today)).ToList(), total, p, size));
    }

    [WolverineGet("/api/invoices/{id}"), Authorize(Policy = Policies.InvoicesRead), Tags("Invoices")]
    [ProducesResponseType<InvoiceView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, string? asOf, HttpContext http, IDocumentSession session, FieldCipher cipher, TimeProvider clock,
        CancellationToken ct)
    {
        if (!Dates.TryReadInstant("asOf", asOf, out var at, out var problem)) return problem!;
        var caller = Caller.From(http.User);
        var invoice = at is { } moment
            ? await session.Events.AggregateStreamAsync<Invoice>(id, timestamp: moment, token: ct)
            : await session.LoadAsync<Invoice>(id, ct);

        if (invoice is null || caller.Role == Roles.Agency && !caller.IsAgency(invoice.AgencyId)) return Problems.NotFound("invoice", id);
        invoice = await session.WithLinesAsync(invoice, ct);

        // Views at the same moment (the invoice and its PDF opened together) are recorded one after the other: an append
        // without the stream's lock lost the race for the stream's next version and answered the read 409.
        if (caller.Role == Roles.Agency && asOf is null) await session.Events.AppendExclusive(id, ct, new InvoiceViewed(id));
        if (caller.MaySeePatients(invoice)) session.RecordPhiRead(caller, clock.GetUtcNow(), "GET /api/invoices/{id}", "invoice", [id]);
        return Results.Ok(invoice.View(caller, cipher, await Today(session, caller, clock, ct)));
    }

    private static async Task<DateOnly> Today(IQuerySession session, Caller caller, TimeProvider clock, CancellationToken ct) =>
        clock.TodayIn((await session.SettingsFor(caller.TenantId, clock, ct)).TimeZone);
}

/// <summary><c>GET /api/invoices/{id}/pdf</c>: the invoice as a PDF, for the same callers as the invoice itself.</summary>
public static class InvoicePdfEndpoint
{
    [WolverineGet("/api/invoices/{id}/pdf"), Authorize(Policy = Policies.InvoicesRead), Tags("Invoices")]
    [ProducesResponseType(StatusCodes.Status200OK, Type = typeof(FileContentResult))]
    public static async Task<IResult> Get(Guid id, HttpContext http, IDocumentSession session, FieldCipher cipher, TimeProvider clock,
        CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        var invoice = await session.LoadAsync<Invoice>(id, ct);
        if (invoice is null || caller.Role == Roles.Agency && !caller.IsAgency(invoice.AgencyId)) return Problems.NotFound("invoice", id);
        invoice = await session.WithLinesAsync(invoice, ct);

        if (caller.MaySeePatients(invoice)) session.RecordPhiRead(caller, clock.GetUtcNow(), "GET /api/invoices/{id}/pdf", "invoice", [id]);
        var settings = await session.SettingsFor(caller.TenantId, clock, ct);
        var view = invoice.View(caller, cipher, clock.TodayIn(settings.TimeZone));
        var pdf = await PrintingInvoices.InvoiceParties.Print(session, settings, caller.TenantId, view, ct);
        // Under the stream's lock, as the invoice's view is, and once the PDF is made: the lock is held until the commit.
        if (caller.Role == Roles.Agency) await session.Events.AppendExclusive(id, ct, new InvoiceViewed(id));
        return Results.File(pdf, "application/pdf", $"{invoice.Number}.pdf");
    }
}

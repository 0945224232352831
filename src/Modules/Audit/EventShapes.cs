using System.Text;
using ContractTherapy.Invoicing.Cycles;
using ContractTherapy.Invoicing.Invoices;
using Marten;

namespace ContractTherapy.Audit;

/// <summary>
/// An event's data as the audit chain hashes it and the audit endpoints show it: as the store's serializer writes the
/// event's type, except for events stored in a shape their type has since dropped, which are written in the shape they
/// were stored in. The chain links each event to that JSON when it is appended, and the check (<c>VerifyEndpoint</c>)
/// recomputes it later from the stored event: read into a type that lost fields, an old event would no longer hash to its
/// link, and the audit would show it without the facts it recorded.
/// <list type="bullet">
/// <item><c>CycleClosed</c> and <c>InvoiceIssued</c> carried each line whole (<see cref="ClosedLine"/>) until 2026-12-07;
/// their lines now keep the rest of such a line as stored (<c>Stored</c>), and are written whole again here.</item>
/// <item>New optional fields are not written when empty (<c>IssuedPayStubRef.Version</c>, <c>CycleClosed.PayRunId</c>,
/// <c>PayStubLine.IsReversal</c>), so events stored before them serialize as they were.</item>
/// </list>
/// Not covered: the closes a build of 2026-12-07 between 8369bdf and 075c9a5 stored (each line's pay side in the close's
/// event), never released.
/// </summary>
public static class EventShapes
{
    public static string Json(object data, ISerializer serializer) => data switch
    {
        CycleClosed c when c.Lines.Any(l => l.Stored?.ContainsKey("contractorName") == true) =>
            serializer.ToJson(new CycleClosedWithWholeLines(c.CycleId, c.PeriodStart, c.PeriodEnd, c.ClosedOn, c.ClosedAt,
                c.Lines.Select(l => Whole(l, serializer)).ToList(), c.Invoices, c.PayStubs, c.NextCycleId)),
        InvoiceIssued i when i.Lines.Any(l => l.Stored?.ContainsKey("payRate") == true) =>
            serializer.ToJson(new InvoiceIssuedWithWholeLines(i.InvoiceId, i.Number, i.AgencyId, i.AgencyName, i.CycleId, i.PeriodStart,
                i.PeriodEnd, i.IssuedOn, i.DueOn, i.Lines.Select(l => Whole(l, serializer)).ToList())),
        _ => serializer.ToJson(data),
    };

    /// <summary>A line and what it kept of the rest, as the whole line it was stored as.</summary>
    private static ClosedLine Whole(object line, ISerializer serializer) =>
        serializer.FromJson<ClosedLine>(new MemoryStream(Encoding.UTF8.GetBytes(serializer.ToJson(line))));

    /// <summary><c>CycleClosed</c> as stored until 2026-12-07.</summary>
    public sealed record CycleClosedWithWholeLines(Guid CycleId, DateOnly PeriodStart, DateOnly PeriodEnd, DateOnly ClosedOn, DateTimeOffset ClosedAt,
        IReadOnlyList<ClosedLine> Lines, IReadOnlyList<IssuedInvoiceRef> Invoices, IReadOnlyList<IssuedPayStubRef> PayStubs, Guid NextCycleId);

    /// <summary><c>InvoiceIssued</c> as stored until 2026-12-07.</summary>
    public sealed record InvoiceIssuedWithWholeLines(Guid InvoiceId, string Number, Guid AgencyId, string AgencyName, Guid CycleId,
        DateOnly PeriodStart, DateOnly PeriodEnd, DateOnly IssuedOn, DateOnly DueOn, IReadOnlyList<ClosedLine> Lines);
}

#:project ../../src/Modules/Invoicing/ContractTherapy.Invoicing.csproj
#:project ../../src/Modules/Payroll/ContractTherapy.Payroll.csproj
#:property PublishAot=false
// Times the host's own serialization of a 50,000-visit close's events (one CycleClosed, 40 InvoiceIssued, 400
// PayStubIssued: what SaveChanges writes) with the store's serializer, without the database. Sealed values are random
// bytes of the sizes the cipher writes. Usage: dotnet run ops/bench/close-events.cs -c Release [-- runs=7]
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using ContractTherapy.Invoicing.Cycles;
using ContractTherapy.Invoicing.Invoices;
using ContractTherapy.Payroll.PayRuns;
using ContractTherapy.Shared.Domain;
using ContractTherapy.Visits.Visits;
using Marten;
using JasperFx;
using Weasel.Core;

var opts = new StoreOptions();
opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
var serializer = opts.Serializer();
string Enc(int n) => "enc:v1:dev:" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(n));
var lines = new List<ClosedLine>();
for (var i = 0; i < 50_000; i++)
{
    var p = new SealedPatient(Enc(45), Enc(36), Enc(16), Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
    lines.Add(new ClosedLine(Guid.CreateVersion7(), LineKind.Visit, false, Guid.CreateVersion7(), $"Bench HH {i % 40}", Guid.CreateVersion7(),
        $"Bench Therapist {i % 400}", new DateOnly(2026, 11, 2), Discipline.PT, VisitType.Routine, p, 120m, 120m, Guid.CreateVersion7(), 80m, 80m,
        Guid.CreateVersion7(), false, 4.5m, 0.67m, 3.02m, null));
}
var closed = new CycleClosed(Guid.NewGuid(), new DateOnly(2026, 11, 2), new DateOnly(2026, 11, 8), new DateOnly(2026, 11, 9), DateTimeOffset.UtcNow,
    lines.Select(CycleLine.Of).ToList(), [], [], Guid.NewGuid());
var invoices = lines.Chunk(1250).Select(c => new InvoiceIssued(Guid.NewGuid(), "INV-1", Guid.NewGuid(), "Bench HH", Guid.NewGuid(), default, default, default, default,
    c.Select(InvoiceLine.Of).ToList())).ToList();
var stubs = lines.Chunk(125).Select(c => new PayStubIssued(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "Bench Therapist", default, default, default,
    c.Select(l => new PayStubLine(l.VisitId, "visit", l.VisitDate, l.AgencyId, l.AgencyName, l.Patient.Initials, l.Discipline, l.VisitType, l.PayRate, l.PayAmount,
        l.Miles, l.MileageRate, l.MileageAmount, l.Reason, l.IsReversal ? true : null)).ToList())).ToList();
object[] events = [closed, .. invoices, .. stubs];

long Bytes(Func<object, byte[]> ser) => events.Sum(e => (long)ser(e).Length);
byte[] Marten(object e) { var buffer = new System.Buffers.ArrayBufferWriter<byte>(); serializer.WriteTo(buffer, e); return buffer.WrittenSpan.ToArray(); }
var runs = args.Where(a => a.StartsWith("runs=")).Select(a => int.Parse(a[5..])).DefaultIfEmpty(7).First();
Console.WriteLine($"events: {events.Length}, bytes {Bytes(Marten) / 1_000_000.0:F1} MB");
foreach (var (name, ser) in new (string, Func<object, byte[]>)[] { ("marten", Marten) })
{
    var times = new List<double>();
    for (var r = 0; r < runs; r++)
    {
        var gc = GC.CollectionCount(2);
        var sw = Stopwatch.StartNew();
        foreach (var e in events) ser(e);
        times.Add(sw.Elapsed.TotalMilliseconds);
        Console.WriteLine($"{name} run {r}: {sw.Elapsed.TotalMilliseconds:F0} ms, gen2 {GC.CollectionCount(2) - gc}");
    }
    times.Sort();
    Console.WriteLine($"{name}: median {times[times.Count / 2]:F0} ms, min {times[0]:F0} ms");
}

#:sdk Microsoft.NET.Sdk.Web
#:project ../../src/Host/ContractTherapy.Host.csproj
#:property PublishAot=false
// The 1099 benchmark's payments, appended in bulk (ops/bench/all.py `tax`): through the API a manual
// payment goes in at 100-300/s, so 10,000 contractors x 26 payments took about an hour.
//
// Writes exactly what POST /api/payments/manual and the handler of its durable message write for
// each payment, with the host's own store configuration (PersistenceSetup.ConfigureStore) in the
// tenant's conjoined partition: ManualPaymentRecorded starting the payment's stream (the inline
// Payment snapshot follows), and ContractorPaymentNoted on the contractor's earnings stream (the
// inline ContractorEarnings snapshot follows), with the metadata the API gives them (user, role
// header on the endpoint's event, one correlation id per payment). No projected document is
// written here: the host's async daemon builds the 1099 totals (ContractorTaxYear) and the audit
// chain from these events, as it does for payments recorded through the API. This program then
// waits until the 1099 projection has passed the last payment and says how long that took.
//
// One payment per contractor per week from January 2 (100.00, check, reference "chk <week>"), the
// weeks in order (a pay run a week, as an agency pays), every contractor of the tenant (those with
// a ContractorPayee document, i.e. onboarded).
// Usage: dotnet run ops/bench/tax-payments.cs -c Release -- CONNECTION_STRING TENANT YEAR PAYMENTS_EACH [USER] [--no-wait]
// --no-wait: append and stop (to time the projection's catch-up on its own, with the host stopped meanwhile).
using System.Diagnostics;
using ContractTherapy.Host.Infrastructure;
using ContractTherapy.Payments.Payees;
using ContractTherapy.Payments.Payments;
using ContractTherapy.Payments.TaxReporting;
using ContractTherapy.Payroll.Earnings;
using ContractTherapy.Shared.Http;
using Marten;

var noWait = args.Contains("--no-wait");
args = [.. args.Where(a => a != "--no-wait")];
var (connection, tenant, year, each) = (args[0], args[1], int.Parse(args[2]), int.Parse(args[3]));
var user = args.Length > 4 ? args[4] : $"owner@{tenant}";
const int perTransaction = 250;  // contractors (payments) per transaction
const int writers = 4;           // transactions at once, each on its own contractors

using var store = DocumentStore.For(opts => PersistenceSetup.ConfigureStore(opts, connection, PersistenceSetup.Schema));
List<Guid> contractors;
await using (var query = store.QuerySession(tenant))
    contractors = [.. (await query.Query<ContractorPayee>().Select(p => p.Id).ToListAsync()).Order()];
if (contractors.Count == 0) throw new InvalidOperationException($"No contractor in tenant '{tenant}'.");
Console.Error.WriteLine($"{contractors.Count} contractors x {each} payments in tenant {tenant}");

var firstSeq = (await store.Advanced.FetchEventStoreStatistics()).EventSequenceNumber;
var clock = Stopwatch.StartNew();
var firstDate = new DateOnly(year, 1, 2);
for (var week = 0; week < each; week++)
{
    var paidOn = firstDate.AddDays(7 * week);
    var chunks = contractors.Chunk(perTransaction).ToList();
    await Parallel.ForEachAsync(chunks, new ParallelOptions { MaxDegreeOfParallelism = writers }, async (chunk, ct) =>
    {
        await using var session = store.LightweightSession(tenant);
        foreach (var contractor in chunk)
        {
            var id = Guid.CreateVersion7();
            var correlation = Guid.NewGuid().ToString("N");
            // The endpoint's event: the caller and role stamped by AuditStamp.
            var recorded = session.Events.StartStream<Payment>(id,
                new ManualPaymentRecorded(id, contractor, 100m, paidOn, "check", $"chk {week}")).Events[0];
            recorded.UserName = user;
            recorded.CorrelationId = correlation;
            recorded.SetHeader(AuditStamp.RoleHeader, "owner");
            // The durable message's handler (NotePaymentHandler): same correlation, the user relayed.
            var noted = new ContractorPaymentNoted(id, contractor, 100m, paidOn, false);
            var earnings = ContractorEarnings.IdFor(contractor);
            var action = week == 0 ? session.Events.StartStream<ContractorEarnings>(earnings, noted) : session.Events.Append(earnings, week + 1, noted);
            action.Events[0].UserName = user;
            action.Events[0].CorrelationId = correlation;
            action.Events[0].CausationId = Guid.NewGuid().ToString();  // the message's envelope id
        }
        await session.SaveChangesAsync(ct);
    });
    Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,6:0.0} s] week {week + 1}/{each}: {contractors.Count * (week + 1):N0} payments");
}
var loaded = clock.Elapsed;
var lastSeq = (await store.Advanced.FetchEventStoreStatistics()).EventSequenceNumber;
var payments = contractors.Count * each;
var atLoadEnd = await store.Advanced.ProjectionProgressFor(TaxYearFreshness.Shard);
Console.Error.WriteLine($"appended {payments:N0} payments ({2 * payments:N0} events) in {loaded.TotalSeconds:0.0} s " +
                        $"({2 * payments / loaded.TotalSeconds:N0} events/s); the 1099 projection at {atLoadEnd - firstSeq:N0} of {lastSeq - firstSeq:N0}");
if (noWait)
{
    Console.WriteLine($"{payments} {loaded.TotalSeconds:0.0} {firstSeq} {lastSeq}");
    return;
}

// The 1099 totals are an async projection: wait until it has passed the last payment.
var last = DateTime.UtcNow;
long progress;
while ((progress = await store.Advanced.ProjectionProgressFor(TaxYearFreshness.Shard)) < lastSeq)
{
    if (DateTime.UtcNow - last > TimeSpan.FromSeconds(10))
    {
        Console.Error.WriteLine($"[{clock.Elapsed.TotalSeconds,6:0.0} s] 1099 projection at {progress - firstSeq:N0} of {lastSeq - firstSeq:N0} events");
        last = DateTime.UtcNow;
    }
    if (clock.Elapsed > TimeSpan.FromMinutes(30)) throw new TimeoutException("The 1099 projection did not catch up within 30 minutes.");
    await Task.Delay(200);
}
var caughtUp = clock.Elapsed;
var behind = lastSeq - Math.Max(atLoadEnd, firstSeq);
// One line for all.py: payments, seconds to append, seconds until the projection held them all,
// events the projection still had to read when the appends ended and how long it took.
Console.WriteLine($"{payments} {loaded.TotalSeconds:0.0} {caughtUp.TotalSeconds:0.0} {behind} {(caughtUp - loaded).TotalSeconds:0.0}");

#:project ../../src/Modules/Payments/ContractTherapy.Payments.csproj
#:property PublishAot=false
// Times the host's own work for the IRIS 1099-NEC file (NecReports.Build and NecReports.Iris: TINs
// decrypted, rows checked and written), without the database: 10,000 reportable contractors by default.
// Names, entity types and addresses vary, ids are fixed: out.csv keeps the file to compare two builds byte for byte.
// Usage: dotnet run ops/bench/iris-file.cs -c Release [-- contractors=10000 runs=10 out.csv]
using System.Diagnostics;
using System.Security.Cryptography;
using ContractTherapy.Contractors.Contractors;
using ContractTherapy.Payments.Payees;
using ContractTherapy.Payments.TaxReporting;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using ContractTherapy.Shared.Tenancy;

int Arg(string name, int fallback) => args.Where(a => a.StartsWith(name + "=")).Select(a => int.Parse(a[(name.Length + 1)..])).DefaultIfEmpty(fallback).First();
var count = Arg("contractors", 10000);
var runs = Arg("runs", 10);
const string tenant = "bench";
var cipher = new FieldCipher("k1", new Dictionary<string, byte[]> { ["k1"] = RandomNumberGenerator.GetBytes(32) });
var payees = new Dictionary<Guid, ContractorPayee>();
var years = new List<ContractorTaxYearTotals>();
string[] names = ["Tax Therapist {0}", "Dana {0}", "Ann Marie de la Cruz {0}", "Zoë Ødegaard-Nguyễn {0}", "O'Brien, \"Pat\" {0}"];
for (var i = 0; i < count; i++)
{
    var id = new Guid($"00000000-0000-7000-8000-{i:D12}");
    var tin = $"{123450001 + i}";
    var name = string.Format(names[i % names.Length], i);
    var business = i % 7 == 0 ? $"Therapy Works {i} LLC" : null;
    payees[id] = new ContractorPayee(id, name, true, new W9OnFile(i % 11 == 0 ? "EIN" : "SSN", cipher.Encrypt(tenant, tin), tin[^4..], name, business,
        "individual", new Address($"{i} Main St", i % 3 == 0 ? "Suite 2" : null, "Austin", "TX", i % 5 == 0 ? null : "78701"), new DateOnly(2026, 1, 2)), null);
    years.Add(new ContractorTaxYearTotals(id, i % 13 == 0 ? 1999.99m : 2000m + i % 1000 + 0.25m * (i % 4), i % 17 == 0 ? 100m : 0m));
}
var payer = new Payer("Bench Agency Payer", "EIN", cipher.Encrypt(tenant, "123456789"), "6789", new Address("1 Bench St", "Floor 3", "Austin", "TX", "78701"),
    "512-555-0100", null);
var columns = IrisTemplate.ColumnsFor(2026)!;

byte[] Once()
{
    var report = NecReports.Build(2026, 2000m, new DateOnly(2027, 2, 1), years, payees);
    using var tins = cipher.DecryptorFor(tenant);
    return NecReports.Iris(2026, columns, report, payer, tins.Decrypt(payer.EncryptedTin), payees, tins.Decrypt).Csv!;
}
var first = Stopwatch.StartNew();
var bytes = Once();
first.Stop();
var times = new List<double>();
for (var i = 0; i < runs; i++)
{
    var sw = Stopwatch.StartNew();
    Once();
    times.Add(sw.Elapsed.TotalMilliseconds);
}
times.Sort();
if (args.FirstOrDefault(a => a.EndsWith(".csv")) is { } output) File.WriteAllBytes(output, bytes);
Console.WriteLine($"{count} contractors, {columns.Count} columns, {bytes.Length / 1024} KiB; first {first.Elapsed.TotalMilliseconds:0} ms; " +
                  $"over {runs} runs: median {times[runs / 2]:0} ms, min {times[0]:0} ms, max {times[^1]:0} ms; load {File.ReadAllText("/proc/loadavg")[..14]}");

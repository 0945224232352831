using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContractTherapy.Tests.Infrastructure;
using static ContractTherapy.Tests.Infrastructure.Scenarios;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Cycles;

/// <summary>
/// A property test of the books: for a random tenant (agencies, rate sets, contractors with
/// overrides and mileage, visits, late and late-signed visits, voids and corrections between
/// closes), after every close the sum of everything invoiced and everything paid equals what the
/// visits are worth today, computed here independently from the rate sets the test recorded.
/// Each seed is one reproducible run.
/// </summary>
public sealed class MoneyInvariantPropertyTests(AppFixture app) : IntegrationTest(app)
{
    private static readonly string[] Types = ["Evaluation", "Routine", "Discharge"];
    private static readonly string[] Patients = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov", "Donald Knuth"];
    private static readonly DateOnly FirstDay = new(2026, 3, 2);
    private static readonly DateOnly[] CycleEnds = [new(2026, 3, 15), new(2026, 3, 29), new(2026, 4, 12), new(2026, 4, 26)];

    private sealed record BillSet(DateOnly From, Dictionary<string, decimal> Rates);

    private sealed record PaySet(DateOnly From, Dictionary<string, decimal> General, Dictionary<(Guid Agency, string Type), decimal> Overrides,
        decimal MileageRate);

    private sealed class AgencyModel(Guid id, string name)
    {
        public Guid Id { get; } = id;
        public string Name { get; } = name;
        public List<BillSet> Sets { get; } = [];
    }

    private sealed class ContractorModel(Guid id, string name)
    {
        public Guid Id { get; } = id;
        public string Name { get; } = name;
        public List<PaySet> Sets { get; } = [];
    }

    private sealed class VisitModel(Guid id, string mrn, ContractorModel contractor, AgencyModel agency, DateOnly date, string type, decimal? miles,
        bool signed)
    {
        public Guid Id { get; } = id;
        public string Mrn { get; } = mrn;
        public ContractorModel Contractor { get; } = contractor;
        public AgencyModel Agency { get; } = agency;
        public DateOnly Date { get; } = date;
        public string Type { get; set; } = type;
        public decimal? Miles { get; set; } = miles;
        public bool Signed { get; set; } = signed;
        public bool Voided { get; set; }

        /// <summary>A close took it (it stays so: a later void or correction only adjusts).</summary>
        public bool Billed { get; set; }

        // How the product billed it at the last close that touched it.
        public string? BilledType { get; set; }
        public decimal BilledMiles { get; set; }
        public bool BilledVoided { get; set; }

        public decimal MilesOrZero => Miles ?? 0m;

        public bool NeedsAdjustment => Billed && (Voided != BilledVoided || (!Voided && (Type != BilledType || MilesOrZero != BilledMiles)));

        public override string ToString() =>
            $"{Mrn} {Date:yyyy-MM-dd} {Type} miles={Miles?.ToString() ?? "null"} agency={Agency.Name} contractor={Contractor.Name}" +
            $" signed={Signed} voided={Voided} billed={Billed}";
    }

    private static T InEffect<T>(IEnumerable<T> sets, Func<T, DateOnly> from, DateOnly date) =>
        sets.Where(s => from(s) <= date).OrderBy(from).Last();

    private static decimal BillOf(VisitModel v) => InEffect(v.Agency.Sets, s => s.From, v.Date).Rates[v.Type];

    private static decimal PayOf(VisitModel v)
    {
        var set = InEffect(v.Contractor.Sets, s => s.From, v.Date);
        var rate = set.Overrides.TryGetValue((v.Agency.Id, v.Type), out var o) ? o : set.General[v.Type];
        return rate + Math.Round(v.MilesOrZero * set.MileageRate, 2, MidpointRounding.AwayFromZero);
    }

    /// <summary>What the books must hold for the visit over all cycles: its worth today if a close took it and it stands, else nothing.</summary>
    private static decimal ExpectedBilled(VisitModel v) => v.Billed && !v.Voided ? BillOf(v) : 0m;

    private static decimal ExpectedPaid(VisitModel v) => v.Billed && !v.Voided ? PayOf(v) : 0m;

    private static decimal Cents(Random rnd, int fromDollars, int toDollars) => rnd.Next(fromDollars * 100, toDollars * 100) / 100m;

    private static decimal? RandomMiles(Random rnd) => rnd.Next(5) == 0 ? null : rnd.Next(0, 600) / 10m;

    private static bool HasAtMostTwoDecimals(decimal d) => decimal.Round(d, 2) == d;

    private static decimal Dec(JsonNode? node, string field) => node![field]!.GetValue<decimal>();

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    [InlineData(2026)]
    public async Task after_every_close_the_books_equal_what_the_visits_are_worth(int seed)
    {
        var rnd = new Random(seed);
        var journal = new StringBuilder($"seed {seed}\n");
        await Api.CyclesFrom("2026-03-02");

        // Agencies with 1-2 bill rate sets; every set has every pair, so no close is ever blocked.
        var agencies = new List<AgencyModel>();
        string[] agencyNames = ["Alpha HH", "Bravo HH", "Charlie HH"];
        var agencyCount = rnd.Next(2, 4);
        for (var i = 0; i < agencyCount; i++)
        {
            var agency = new AgencyModel(await Api.RegisteredAgency(agencyNames[i]), agencyNames[i]);
            var froms = new List<DateOnly> { new(2026, 1, 1 + rnd.Next(0, 28)) };
            if (rnd.Next(2) == 0) froms.Add(new DateOnly(2026, 2, 1).AddDays(rnd.Next(0, 59)));
            foreach (var from in froms)
            {
                var rates = Types.ToDictionary(t => t, _ => Cents(rnd, 60, 220));
                if (agencies.Count == 0 && agency.Sets.Count == 0) rates["Routine"] = 93.37m;
                agency.Sets.Add(new BillSet(from, rates));
                (await Api.SetBillRates(agency.Id, from.ToString("yyyy-MM-dd"),
                    rates.Select(r => Rate("PT", r.Key, r.Value)).ToArray())).ShouldBe(200);
                journal.AppendLine($"bill {agency.Name} from {from:yyyy-MM-dd}: {string.Join(", ", rates.Select(r => $"{r.Key}={r.Value}"))}");
            }
            agencies.Add(agency);
        }

        // Contractors placed at every agency, with 1-2 pay rate sets, some agency overrides and a mileage rate.
        var contractors = new List<ContractorModel>();
        string[] contractorNames = ["Dana Kim", "Eli Moss", "Fay Ortiz"];
        var contractorCount = rnd.Next(2, 4);
        for (var i = 0; i < contractorCount; i++)
        {
            var contractor = new ContractorModel(await Api.PlacedContractor(agencies[0].Id, contractorNames[i], "PT"), contractorNames[i]);
            foreach (var agency in agencies.Skip(1))
                (await Api.Post($"/api/contractors/{contractor.Id}/agencies/{agency.Id}")).ShouldBe(200);
            var froms = new List<DateOnly> { new(2026, 1, 1 + rnd.Next(0, 28)) };
            if (rnd.Next(2) == 0) froms.Add(new DateOnly(2026, 2, 1).AddDays(rnd.Next(0, 59)));
            foreach (var from in froms)
            {
                var general = Types.ToDictionary(t => t, _ => Cents(rnd, 40, 150));
                var overrides = new Dictionary<(Guid, string), decimal>();
                foreach (var agency in agencies)
                foreach (var type in Types)
                    if (rnd.Next(4) == 0) overrides[(agency.Id, type)] = Cents(rnd, 40, 150);
                var mileageRate = contractors.Count == 0 && contractor.Sets.Count == 0 ? 0.67m : rnd.Next(30, 90) / 100m;
                contractor.Sets.Add(new PaySet(from, general, overrides, mileageRate));
                var rates = general.Select(r => Rate("PT", r.Key, r.Value))
                    .Concat(overrides.Select(o => Rate("PT", o.Key.Item2, o.Value, o.Key.Item1))).ToArray();
                (await Api.Put($"/api/contractors/{contractor.Id}/pay-rates",
                    new { effectiveFrom = from.ToString("yyyy-MM-dd"), rates, mileageRate })).ShouldBe(200);
                journal.AppendLine($"pay {contractor.Name} from {from:yyyy-MM-dd} mileage {mileageRate}: " +
                                   string.Join(", ", general.Select(r => $"{r.Key}={r.Value}")) + " | overrides " +
                                   string.Join(", ", overrides.Select(o => $"{agencies.Single(a => a.Id == o.Key.Item1).Name}/{o.Key.Item2}={o.Value}")));
            }
            contractors.Add(contractor);
        }

        var visits = new List<VisitModel>();
        var counter = 0;

        async Task<VisitModel> Log(DateOnly date, bool late)
        {
            var contractor = contractors[rnd.Next(contractors.Count)];
            var agency = agencies[rnd.Next(agencies.Count)];
            var type = Types[rnd.Next(Types.Length)];
            var miles = RandomMiles(rnd);
            var signed = rnd.Next(5) != 0;
            var mrn = $"S{seed}-{++counter}";
            var id = (await Api.LogVisit(Visit(contractor.Id, agency.Id, date.ToString("yyyy-MM-dd"), type,
                patientName: Patients[rnd.Next(Patients.Length)], mrn: mrn, noteSigned: signed, miles: miles))).ShouldBe(201).Id;
            var v = new VisitModel(id, mrn, contractor, agency, date, type, miles, signed);
            visits.Add(v);
            journal.AppendLine($"log{(late ? " late" : "")} {v}");
            return v;
        }

        for (var i = rnd.Next(20, 33); i > 0; i--) await Log(FirstDay.AddDays(rnd.Next(0, 56)), late: false);

        var allInvoiceIds = new List<Guid>();
        for (var k = 0; k < CycleEnds.Length; k++)
        {
            if (k > 0)
            {
                // Sign some notes that waited.
                foreach (var v in visits.Where(v => !v.Signed && !v.Voided).ToList())
                    if (rnd.Next(2) == 0)
                    {
                        (await Api.Post($"/api/visits/{v.Id}/sign-note")).ShouldBe(200);
                        v.Signed = true;
                        journal.AppendLine($"sign {v.Mrn}");
                    }

                // Void or correct some invoiced visits (some more than once).
                foreach (var v in visits.Where(v => v.Billed && !v.Voided).ToList())
                {
                    var dice = rnd.Next(10);
                    if (dice == 0) await Void(v);
                    else if (dice <= 2)
                    {
                        await Correct(v);
                        if (rnd.Next(4) == 0) await Correct(v);
                        if (rnd.Next(6) == 0) await Void(v);
                    }
                }

                // Late visits, dated in cycles already closed.
                for (var i = rnd.Next(1, 4); i > 0; i--)
                    await Log(FirstDay.AddDays(rnd.Next(0, CycleEnds[k - 1].DayNumber - FirstDay.DayNumber + 1)), late: true);
            }

            // Now and then a visit not invoiced yet is voided or corrected: it simply is billed as it stands (or never).
            var pending = visits.Where(v => !v.Billed && !v.Voided).ToList();
            if (pending.Count > 0 && rnd.Next(2) == 0) await Void(pending[rnd.Next(pending.Count)]);
            pending = visits.Where(v => !v.Billed && !v.Voided).ToList();
            if (pending.Count > 0 && rnd.Next(2) == 0) await Correct(pending[rnd.Next(pending.Count)]);

            // What this close must touch: visits it bills for the first time, and invoiced visits changed in a way that moves money.
            var end = CycleEnds[k];
            var touched = visits.Where(v => !v.Billed && !v.Voided && v.Signed && v.Date <= end || v.NeedsAdjustment)
                .Select(v => v.Id).ToHashSet();

            var cycleId = await Api.CloseCurrentCycle();
            journal.AppendLine($"close #{k + 1} ({end:yyyy-MM-dd})");
            foreach (var v in visits)
            {
                if (!v.Billed && !v.Voided && v.Signed && v.Date <= end) v.Billed = true;
                if (!v.Billed) continue;
                v.BilledType = v.Type;
                v.BilledMiles = v.MilesOrZero;
                v.BilledVoided = v.Voided;
            }

            var at = $"seed {seed}, after close #{k + 1}";

            // This cycle's documents: totals are sums of their lines, every amount is in cents.
            var invoices = (await Api.Get($"/api/invoices?cycleId={cycleId}&pageSize=500", role: "billing")).ShouldBe(200).Json["items"]!.AsArray();
            foreach (var invoice in invoices)
            {
                var lines = invoice!["lines"]!.AsArray();
                lines.Count.ShouldBeGreaterThan(0, at);
                Dec(invoice, "total").ShouldBe(lines.Sum(l => Dec(l, "amount")), $"{at}: invoice {invoice["number"]} total");
                Dec(invoice, "subtotal").ShouldBe(Dec(invoice, "total"), at);
                foreach (var amount in lines.SelectMany(l => new[] { Dec(l, "amount"), Dec(l, "rate") }).Append(Dec(invoice, "total")))
                    HasAtMostTwoDecimals(amount).ShouldBeTrue($"{at}: invoice {invoice["number"]} amount {amount}");
            }
            var stubs = (await Api.Get($"/api/paystubs?cycleId={cycleId}&pageSize=500", role: "payroll")).ShouldBe(200).Json["items"]!.AsArray();
            foreach (var stub in stubs)
            {
                var lines = stub!["lines"]!.AsArray();
                lines.Count.ShouldBeGreaterThan(0, at);
                var visitsTotal = lines.Sum(l => Dec(l, "amount"));
                var mileage = lines.Sum(l => Dec(l, "mileageAmount"));
                Dec(stub, "visitsTotal").ShouldBe(visitsTotal, $"{at}: stub of {stub["contractorName"]} visitsTotal");
                Dec(stub, "mileage").ShouldBe(mileage, $"{at}: stub of {stub["contractorName"]} mileage");
                Dec(stub, "total").ShouldBe(visitsTotal + mileage, $"{at}: stub of {stub["contractorName"]} total");
                foreach (var amount in lines.SelectMany(l => new[] { Dec(l, "amount"), Dec(l, "rate"), Dec(l, "mileageAmount") }).Append(Dec(stub, "total")))
                    HasAtMostTwoDecimals(amount).ShouldBeTrue($"{at}: stub of {stub["contractorName"]} amount {amount}");
            }

            // The close touched exactly the visits it should have, on both sides.
            var onInvoices = invoices.SelectMany(i => i!["lines"]!.AsArray()).Select(l => Guid.Parse(l!["visitId"]!.GetValue<string>())).ToHashSet();
            var onStubs = stubs.SelectMany(s => s!["lines"]!.AsArray()).Select(l => Guid.Parse(l!["visitId"]!.GetValue<string>())).ToHashSet();
            var expectedTouched = string.Join(" ", touched.Select(Describe).Order());
            string.Join(" ", onInvoices.Select(Describe).Order()).ShouldBe(expectedTouched, $"{at}: visits on the cycle's invoices\n{journal}");
            string.Join(" ", onStubs.Select(Describe).Order()).ShouldBe(expectedTouched, $"{at}: visits on the cycle's pay stubs\n{journal}");

            // The key invariant: over all cycles so far, the books equal what the visits are worth now.
            var allInvoices = (await Api.Get("/api/invoices?pageSize=500", role: "billing")).ShouldBe(200).Json["items"]!.AsArray();
            var allStubs = (await Api.Get("/api/paystubs?pageSize=500", role: "payroll")).ShouldBe(200).Json["items"]!.AsArray();
            var billedByVisit = allInvoices.SelectMany(i => i!["lines"]!.AsArray())
                .GroupBy(l => Guid.Parse(l!["visitId"]!.GetValue<string>())).ToDictionary(g => g.Key, g => g.Sum(l => Dec(l, "amount")));
            var paidByVisit = allStubs.SelectMany(s => s!["lines"]!.AsArray())
                .GroupBy(l => Guid.Parse(l!["visitId"]!.GetValue<string>())).ToDictionary(g => g.Key, g => g.Sum(l => Dec(l, "amount") + Dec(l, "mileageAmount")));
            var wrong = visits
                .Select(v => (v, bill: billedByVisit.GetValueOrDefault(v.Id), pay: paidByVisit.GetValueOrDefault(v.Id)))
                .Where(x => x.bill != ExpectedBilled(x.v) || x.pay != ExpectedPaid(x.v))
                .Select(x => $"{x.v}: billed {x.bill} (expected {ExpectedBilled(x.v)}), paid {x.pay} (expected {ExpectedPaid(x.v)})")
                .ToList();
            billedByVisit.Keys.Except(visits.Select(v => v.Id)).ShouldBeEmpty(at);
            wrong.ShouldBeEmpty($"{at}: per-visit books differ from the truth\n{journal}");
            allInvoices.Sum(i => Dec(i, "total")).ShouldBe(visits.Sum(ExpectedBilled), $"{at}: all invoices\n{journal}");
            allStubs.Sum(s => Dec(s, "total")).ShouldBe(visits.Sum(ExpectedPaid), $"{at}: all pay stubs\n{journal}");

            // Invoice numbers: one gapless sequence over all cycles.
            var numbered = allInvoices.Select(i => (Number: i!["number"]!.GetValue<string>(), Year: DateOnly.Parse(i["issuedOn"]!.GetValue<string>()).Year))
                .OrderBy(i => i.Number, StringComparer.Ordinal).ToList();
            string.Join(" ", numbered.Select(n => n.Number))
                .ShouldBe(string.Join(" ", numbered.Select((n, i) => $"INV-{n.Year}-{i + 1:D6}")), at);

            // Every invoice of the cycle rebuilds from its events to exactly what is stored.
            var cycleInvoiceIds = invoices.Select(i => i!.IdOf()).ToList();
            allInvoiceIds.AddRange(cycleInvoiceIds);
            await using var session = App.Store.QuerySession(Api.Tenant);
            foreach (var id in allInvoiceIds)
            {
                var stored = await session.LoadAsync<ContractTherapy.Invoicing.Invoices.Invoice>(id);
                stored.ShouldNotBeNull(at);
                var rebuilt = await session.Events.AggregateStreamAsync<ContractTherapy.Invoicing.Invoices.Invoice>(id);
                JsonSerializer.Serialize(rebuilt).ShouldBe(JsonSerializer.Serialize(stored), $"{at}: invoice {stored.Number} rebuilt");
            }
        }

        string Describe(Guid id) => visits.SingleOrDefault(v => v.Id == id)?.Mrn ?? id.ToString();

        async Task Void(VisitModel v)
        {
            (await Api.Post($"/api/visits/{v.Id}/void", new { reason = $"Void {v.Mrn}: did not take place" })).ShouldBe(200);
            v.Voided = true;
            journal.AppendLine($"void {v.Mrn}");
        }

        async Task Correct(VisitModel v)
        {
            if (rnd.Next(2) == 0)
            {
                var type = Types.Where(t => t != v.Type).ElementAt(rnd.Next(Types.Length - 1));
                (await Api.Put($"/api/visits/{v.Id}", new { visitType = type, reason = $"It was a {type}" })).ShouldBe(200);
                journal.AppendLine($"correct {v.Mrn} type {v.Type} -> {type}");
                v.Type = type;
            }
            else
            {
                decimal miles;
                do miles = rnd.Next(0, 600) / 10m;
                while (miles == v.Miles);
                (await Api.Put($"/api/visits/{v.Id}", new { miles, reason = "Odometer re-read" })).ShouldBe(200);
                journal.AppendLine($"correct {v.Mrn} miles {v.Miles?.ToString() ?? "null"} -> {miles}");
                v.Miles = miles;
            }
        }
    }
}

using ContractTherapy.Tests.Infrastructure;
using Npgsql;
using ContractTherapy.Tests.Security;
using static ContractTherapy.Tests.Infrastructure.VisitScenarios;

namespace ContractTherapy.Tests.Visits;

public sealed class PatientDataProtectionTests(AppFixture app) : IntegrationTest(app)
{
    [Fact]
    public async Task no_table_holds_a_patient_name_mrn_or_note_in_plain_text()
    {
        var agency = await Api.RegisteredAgency();
        var dana = await Api.PlacedContractor(agency);
        var id = (await Api.LogVisit(Visit(dana, agency, DaysAgo(2), patientName: "Zebulon Quartermaine", mrn: "ZQ-998877",
            notes: "Xylophone therapy"), idempotencyKey: "phi-check")).ShouldBe(201).Id;
        (await Api.Put($"/api/visits/{id}", new { patient = new { name = "Zebulon Q Quartermaine", mrn = "ZQ-998877" }, reason = "middle initial" }))
            .ShouldBe(200);
        (await Api.Get($"/api/visits/{id}")).ShouldBe(200);

        var hits = await PhiScan.SearchAllColumns(App.ConnectionString, ["Zebulon", "Quartermaine", "ZQ-998877", "Xylophone"]);
        hits.ShouldBeEmpty();
        // The search itself works: data that is not secret is found where it is stored.
        (await PhiScan.SearchAllColumns(App.ConnectionString, ["Dana Kim"])).ShouldNotBeEmpty();
    }
}

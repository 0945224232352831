using ContractTherapy.Tests.Infrastructure;
using Npgsql;
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

        var hits = await SearchAllColumns(["Zebulon", "Quartermaine", "ZQ-998877", "Xylophone"]);
        hits.ShouldBeEmpty();
        // The search itself works: data that is not secret is found where it is stored.
        (await SearchAllColumns(["Dana Kim"])).ShouldNotBeEmpty();
    }

    private async Task<List<string>> SearchAllColumns(string[] needles)
    {
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        var columns = new List<(string Table, string Column, string Type)>();
        await using (var cmd = new NpgsqlCommand("""
            select c.table_name, c.column_name, c.data_type from information_schema.columns c
            join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
            where c.table_schema = 'contracttherapy' and c.data_type in ('jsonb','json','text','character varying','bytea')
            """, connection))
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) columns.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        columns.Count.ShouldBeGreaterThan(10);

        var hits = new List<string>();
        foreach (var (table, column, type) in columns)
        foreach (var needle in needles)
        {
            // Binary columns (Wolverine's message bodies) are searched for the needle's UTF-8 bytes.
            var condition = type == "bytea"
                ? $"position(convert_to(@n, 'UTF8') in \"{column}\") > 0"
                : $"position(@n in \"{column}\"::text) > 0";
            await using var search = new NpgsqlCommand($"select count(*) from contracttherapy.\"{table}\" where {condition}", connection);
            search.Parameters.AddWithValue("n", needle);
            if ((long)(await search.ExecuteScalarAsync())! > 0) hits.Add($"{table}.{column} contains {needle}");
        }
        return hits;
    }
}

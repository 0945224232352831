using Npgsql;

namespace ContractTherapy.Tests.Security;

/// <summary>Searches where patient data and TINs could end up stored.</summary>
public static class PhiScan
{
    /// <summary>Every text, JSON and binary column of every table that holds one of the needles.</summary>
    public static async Task<List<string>> SearchAllColumns(string connectionString, string[] needles)
    {
        await using var connection = new NpgsqlConnection(connectionString);
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

using ContractTherapy.Host.Infrastructure;
using ContractTherapy.Shared.Domain;
using ContractTherapy.Visits.Visits;
using JasperFx;
using Marten;
using Npgsql;
using Weasel.Core;

namespace ContractTherapy.Tests.Visits;

/// <summary>
/// A database from before the visit's date, contractor and agency became columns of their own (they were indexes on the
/// document's JSON): the product's configuration, applied to it as the host does at start, adds the columns filled from
/// the JSON and moves the indexes onto them, so the lists still find every visit of before. A database of its own: the
/// table is changed under it.
/// </summary>
public sealed class VisitColumnsUpgradeTests
{
    private static readonly Guid Dana = Guid.NewGuid(), Sam = Guid.NewGuid(), Sunrise = Guid.NewGuid(), Lakeside = Guid.NewGuid();
    private const string Tenant = "upgrade-columns";

    private static Visit Before(Guid contractor, Guid agency, DateOnly date) => new(Guid.CreateVersion7(), 1, contractor, agency,
        new SealedPatient("n", "m", "i", Guid.NewGuid().ToString("N")), date, Discipline.PT, VisitType.Routine, 4.5m, null, true,
        VisitStatus.Open, null, null, HoldsKey: true);

    [Fact]
    public async Task a_database_of_before_gets_the_columns_filled_and_its_lists_find_every_visit()
    {
        var server = Environment.GetEnvironmentVariable("CT_TEST_POSTGRES")
            ?? throw new InvalidOperationException("CT_TEST_POSTGRES is not set: run the tests with ops/test.sh.");
        var database = $"ct_upgrade_columns_{Guid.NewGuid():N}"[..40];
        var admin = new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString;
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database, Pooling = false }.ConnectionString;
        await Admin(admin, $"create database {database}");
        try
        {
            var visits = new[]
            {
                Before(Dana, Sunrise, new DateOnly(2026, 11, 2)), Before(Dana, Lakeside, new DateOnly(2026, 11, 3)),
                Before(Sam, Sunrise, new DateOnly(2026, 11, 3)),
            };
            // The table as the code of before made it, and its visits.
            using (var before = DocumentStore.For(opts =>
                   {
                       opts.Connection(connectionString);
                       opts.DatabaseSchemaName = PersistenceSetup.Schema;
                       opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
                       opts.Policies.AllDocumentsAreMultiTenanted();
                       opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
                       opts.Schema.For<Visit>().Index(v => v.VisitDate).Index(v => v.ContractorId).Index(v => v.AgencyId);
                   }))
            {
                await using var session = before.LightweightSession(Tenant);
                session.Store(visits);
                await session.SaveChangesAsync();
            }
            (await Columns(connectionString)).ShouldNotContain("contractor_id");

            // The product's configuration, applied as the host applies it at start.
            using var store = DocumentStore.For(opts => PersistenceSetup.ConfigureStore(opts, connectionString, PersistenceSetup.Schema));
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();

            (await Columns(connectionString)).ShouldContain("contractor_id");
            (await Columns(connectionString)).ShouldContain("agency_id");
            (await Columns(connectionString)).ShouldContain("visit_date");
            var indexes = await Indexes(connectionString);
            indexes.ShouldNotContain(i => i.Contains("->>"), string.Join("\n", indexes));
            foreach (var column in new[] { "(contractor_id)", "(agency_id)", "(visit_date)" })
                indexes.ShouldContain(i => i.Contains(column), string.Join("\n", indexes));

            await using var query = store.QuerySession(Tenant);
            (await query.Query<Visit>().CountAsync(v => v.ContractorId == Dana)).ShouldBe(2);
            (await query.Query<Visit>().CountAsync(v => v.AgencyId == Sunrise)).ShouldBe(2);
            (await query.Query<Visit>().CountAsync(v => v.VisitDate == new DateOnly(2026, 11, 3))).ShouldBe(2);
            (await query.Query<Visit>().CountAsync(v => v.ContractorId == Sam && v.VisitDate >= new DateOnly(2026, 11, 3))).ShouldBe(1);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await Admin(admin, $"drop database if exists {database} with (force)");
        }
    }

    private static async Task Admin(string admin, string sql)
    {
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<string>> Rows(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows;
    }

    private static Task<List<string>> Columns(string connectionString) => Rows(connectionString,
        $"select column_name from information_schema.columns where table_schema = '{PersistenceSetup.Schema}' and table_name = 'mt_doc_visit'");

    private static Task<List<string>> Indexes(string connectionString) => Rows(connectionString,
        $"select indexdef from pg_indexes where schemaname = '{PersistenceSetup.Schema}' and tablename = 'mt_doc_visit'");
}

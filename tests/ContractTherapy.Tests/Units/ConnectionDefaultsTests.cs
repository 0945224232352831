using ContractTherapy.Host.Infrastructure;
using Npgsql;
using Shouldly;

namespace ContractTherapy.Tests.Units;

/// <summary>
/// The host turns on Npgsql's automatic preparation unless the connection string decides: with it a
/// returned connection is reset without DISCARD ALL, so PL/pgSQL's plans (Marten's quick append) survive.
/// </summary>
public class ConnectionDefaultsTests
{
    [Fact]
    public void Automatic_preparation_is_added_when_the_connection_string_is_silent()
    {
        var result = new NpgsqlConnectionStringBuilder(PersistenceSetup.WithDefaults("Host=127.0.0.1;Port=5432;Username=postgres;Password=s3cret;Database=ct"));
        result.MaxAutoPrepare.ShouldBe(PersistenceSetup.MaxAutoPrepare);
        result.Host.ShouldBe("127.0.0.1");
        result.Password.ShouldBe("s3cret");
        result.Database.ShouldBe("ct");
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0", 0)]
    [InlineData("Host=db;MaxAutoPrepare=5", 5)]
    [InlineData("Host=db;max auto prepare=20", 20)]
    public void An_explicit_setting_is_kept(string given, int expected)
    {
        PersistenceSetup.WithDefaults(given).ShouldBe(given);
        new NpgsqlConnectionStringBuilder(PersistenceSetup.WithDefaults(given)).MaxAutoPrepare.ShouldBe(expected);
    }
}

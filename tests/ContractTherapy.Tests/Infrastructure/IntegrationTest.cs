namespace ContractTherapy.Tests.Infrastructure;

/// <summary>Base for tests through the real host: each test gets a fresh tenant of its own.</summary>
[Collection(AppCollection.Name)]
public abstract class IntegrationTest(AppFixture app)
{
    protected AppFixture App { get; } = app;

    protected Api Api { get; } = new(app.Host, $"t-{Guid.NewGuid():N}");

    /// <summary>Another tenant, to prove one tenant never sees another's data.</summary>
    protected Api OtherTenant() => new(App.Host, $"t-{Guid.NewGuid():N}");
}

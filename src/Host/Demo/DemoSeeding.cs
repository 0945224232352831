namespace ContractTherapy.Host.Demo;

public static class DemoSeeding
{
    public static void AddDemoSeeding(this WebApplicationBuilder builder)
    {
        if (builder.Configuration.GetValue<bool>("Demo:Seed"))
            builder.Services.AddHostedService<DemoSeeder>();
    }
}

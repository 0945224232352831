using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ContractTherapy.Audit;
using ContractTherapy.Contractors;
using ContractTherapy.Host.Auth;
using ContractTherapy.Host.Demo;
using ContractTherapy.Host.Infrastructure;
using ContractTherapy.Host.Web;
using ContractTherapy.Invoicing;
using ContractTherapy.Payments;
using ContractTherapy.Payroll;
using ContractTherapy.Rates;
using ContractTherapy.Visits;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Idempotency;
using JasperFx;
using Marten;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Scalar.AspNetCore;
using JasperFx.Core;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Http;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
    o.SerializerOptions.Converters.Add(new NoNulStrings());
    // Inputs marked [OneOf] (disciplines, visit types, W-9 fields, methods...) accept any letter case.
    o.SerializerOptions.TypeInfoResolver = (o.SerializerOptions.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver())
        .WithAddedModifier(Choices.Canonicalize);
    o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
});

builder.AddContractTherapyAuth();
builder.AddFieldEncryption();
builder.AddContractTherapyPersistence();
builder.AddContractTherapyTelemetry();
builder.AddDemoSeeding();

builder.Host.UseWolverine(opts =>
{
    opts.UseRuntimeCompilation();
    opts.Policies.AutoApplyTransactions();
    opts.Policies.UseDurableLocalQueues();
    // Handlers read their stream, decide and append; a concurrent writer to the same stream
    // makes the commit fail, and the message is simply handled again on the new state.
    opts.Policies.OnException<JasperFx.ConcurrencyException>().Or<Marten.Exceptions.ExistingStreamIdCollisionException>()
        .RetryWithCooldown(50.Milliseconds(), 100.Milliseconds(), 250.Milliseconds(), 500.Milliseconds(), 1.Seconds());
    opts.EnableRelayOfUserName = true;
    opts.AddContractors();
    opts.AddRates();
    opts.AddInvoicing();
    opts.AddVisits();
    opts.AddPayroll();
    opts.AddPayments(builder.Configuration);
    opts.AddAudit(PersistenceSetup.Blueprint(builder.Configuration));
    opts.StartAgentsPromptly();
});
builder.Services.AddWolverineHttp();
// StringSchemas first: ChoiceSchemas reads the type it restores.
builder.Services.AddOpenApi(o => o.AddSchemaTransformer<StringSchemas>().AddSchemaTransformer<ChoiceSchemas>());
builder.Services.AddHealthChecks().AddCheck<DatabaseReadyCheck>("database", tags: ["ready"]);

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseWebApp();
app.UseAuthentication();
app.UseAuthorization();
app.UseMiddleware<NilIdIsNotFound>();
app.UseMiddleware<IdempotencyMiddleware>();

app.MapOpenApi();
app.MapScalarApiReference("/docs");
app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
app.MapDevTokens();
app.MapAuthConfig();
app.MapWolverineEndpoints(opts =>
{
    opts.TenantId.IsClaimTypeNamed("tenant");
    // '?page=abc' is a 400 naming the parameter, not a silent default.
    opts.RejectUnparseableQueryValues = true;
    opts.AddMiddleware(typeof(AuditStamp), chain => chain.Method.Method.GetParameters().Any(p => p.ParameterType == typeof(IDocumentSession)));
});
app.MapWebAppFallback();

// A plain start runs the host. JasperFx's command line (replay-verify, db-apply, help, ...) is
// only for commands: building its command list scans every [JasperFxAssembly] assembly and prints
// "Searching '<assembly>' for commands" for each one, a screen of noise before every start.
// Like JasperFx, an argument list that starts with a flag names no command (`--check` is its own).
if (args.Length == 0 || args[0].StartsWith('-') && !args.Contains("--check"))
{
    await app.RunAsync();
    return 0;
}
return await app.RunJasperFxCommands(args);

/// <summary>Visible to the tests' Alba host.</summary>
public partial class Program;

using ContractTherapy.Contractors.Contractors;
using ContractTherapy.Shared.Domain;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Contractors.OnboardingContractors;

public sealed record OnboardContractor(string? LegalName, string? Email, [property: OneOf(typeof(Discipline))] IReadOnlyList<string>? Disciplines, string? Phone);

public static class OnboardContractorEndpoint
{
    private static readonly System.Text.RegularExpressions.Regex PhoneShape = new(@"^\+?[0-9 ()\-.]{7,30}$");

    public static ProblemDetails Validate(OnboardContractor cmd)
    {
        var v = new Validation().Text("legalName", cmd.LegalName, 200).Email("email", cmd.Email);
        if (cmd.Phone is not null && !PhoneShape.IsMatch(cmd.Phone))
            v.Add("phone", "'phone' must be a phone number of 7 to 30 digits, spaces, dashes or parentheses.");
        if (cmd.Disciplines is null || cmd.Disciplines.Count == 0)
            v.Add("disciplines", "'disciplines' must list at least one discipline.");
        else
        {
            for (var i = 0; i < cmd.Disciplines.Count; i++) v.Discipline($"disciplines[{i}]", cmd.Disciplines[i]);
            if (cmd.Disciplines.Distinct(StringComparer.OrdinalIgnoreCase).Count() != cmd.Disciplines.Count)
                v.Add("disciplines", "'disciplines' lists a discipline more than once.");
        }
        return v.Result();
    }

    [WolverinePost("/api/contractors"), Authorize(Policy = Policies.ContractorsWrite), Tags("Contractors")]
    [ProducesResponseType<ContractorView>(StatusCodes.Status201Created)]
    public static async Task<IResult> Post(OnboardContractor cmd, IDocumentSession session, CancellationToken ct)
    {
        var email = cmd.Email!.Trim();
        var lowered = email.ToLowerInvariant();
        if (await session.Query<Contractor>().AnyAsync(c => c.Email.ToLower() == lowered, ct))
            return Problems.Conflict($"A contractor with e-mail '{email}' is already onboarded.");

        var id = Guid.CreateVersion7();
        var onboarded = new ContractorOnboarded(id, cmd.LegalName!.Trim(), email,
            cmd.Disciplines!.Select(d => Enum.Parse<Discipline>(d, ignoreCase: true)).ToList(), cmd.Phone?.Trim());
        session.Events.StartStream<Contractor>(id, onboarded);
        return Results.Created($"/api/contractors/{id}", ContractorView.From(Contractor.Create(onboarded)));
    }
}

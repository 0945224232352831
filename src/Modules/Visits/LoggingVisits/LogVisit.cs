using System.Diagnostics;
using ContractTherapy.Shared.Domain;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Idempotency;
using ContractTherapy.Shared.Security;
using ContractTherapy.Visits.Visits;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Visits.LoggingVisits;

public sealed record PatientInput(string? Name, string? Mrn);

public sealed record LogVisit(
    Guid? ContractorId,
    Guid? AgencyId,
    PatientInput? Patient,
    DateOnly? VisitDate,
    [property: OneOf(typeof(Discipline))] string? Discipline,
    [property: OneOf(typeof(VisitType))] string? VisitType,
    decimal? Miles,
    string? Notes,
    bool? NoteSigned,
    bool? AllowDuplicate,
    string? DuplicateReason);

/// <summary>
/// The hottest write of the product. The endpoint checks what needs no database (shape, rights) and seals the
/// patient; <see cref="VisitGroupCommit"/> then decides the rules that need the database and commits, together
/// with the visits that arrive meanwhile (one write and one WAL flush for the group), and the answer
/// goes out after that commit.
/// </summary>
public static class LogVisitEndpoint
{
    public static ProblemDetails Validate(LogVisit cmd)
    {
        var v = new Validation()
            .Required("contractorId", cmd.ContractorId)
            .Required("agencyId", cmd.AgencyId)
            .Discipline("discipline", cmd.Discipline)
            .VisitType("visitType", cmd.VisitType);
        VisitInputs.CheckPatient(v, "patient", cmd.Patient, required: true);
        if (cmd.VisitDate is null) v.Add("visitDate", "'visitDate' is required (YYYY-MM-DD).");
        VisitInputs.CheckMilesAndNotes(v, cmd.Miles, cmd.Notes);
        VisitInputs.CheckDuplicateIntent(v, cmd.AllowDuplicate, cmd.DuplicateReason);
        return v.Result();
    }

    [WolverinePost("/api/visits"), Authorize(Policy = Policies.VisitsWrite), Tags("Visits")]
    [ProducesResponseType<VisitView>(StatusCodes.Status201Created)]
    // The group commit's answers other than 201: a probable duplicate (409, with existingVisitId), a rule refused or an
    // Idempotency-Key reused for another visit (422, with the rule).
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public static async Task<IResult> Post(LogVisit cmd, HttpContext http, VisitGroupCommit visits, FieldCipher cipher)
    {
        var caller = Caller.From(http.User);
        var contractorId = cmd.ContractorId!.Value;
        if (caller.Role == Roles.Contractor && !caller.IsContractor(contractorId))
            return Problems.Forbidden("A contractor logs visits for themself only.");

        var agencyId = cmd.AgencyId!.Value;
        var discipline = Enum.Parse<Discipline>(cmd.Discipline!, ignoreCase: true);
        var visitType = Enum.Parse<VisitType>(cmd.VisitType!, ignoreCase: true);
        var visitDate = cmd.VisitDate!.Value;
        var patient = PatientSeal.Seal(cipher, caller.TenantId, cmd.Patient!.Name!, cmd.Patient.Mrn!);
        var key = VisitFingerprint.KeyFor(contractorId, patient.MrnFingerprint, agencyId, visitDate, discipline, visitType);

        // With an Idempotency-Key the visit's id is derived from it: a retry after a crash that struck
        // between this commit and the key's answer being recorded finds this visit (its id is taken: the
        // write's guard fails and the batch is decided again with a probe) and answers it, instead of a
        // second visit or the duplicate guard's 409.
        var keyedId = IdempotencyMiddleware.DerivedId(http);
        var intended = cmd.AllowDuplicate == true;
        var logged = new VisitLogged(keyedId ?? Guid.CreateVersion7(), contractorId, agencyId, patient, visitDate, discipline, visitType, cmd.Miles,
            PatientSeal.SealNotes(cipher, caller.TenantId, cmd.Notes), cmd.NoteSigned == true, intended ? cmd.DuplicateReason!.Trim() : null,
            // It takes its duplicate key, unless it is an intended duplicate of a visit holding it (the group commit decides).
            HoldsKey: true);
        // What AuditStamp and Wolverine put on a session's events: the caller, their role, and the correlation id Wolverine's
        // message context takes for a request (MessageBus: the trace's root id, else a new one). Taking IMessageContext here
        // instead would also honour a client's X-Correlation-ID, which no other write endpoint does (measured 2026-12-06).
        var author = new VisitAuthor(caller.UserId, caller.Role, Activity.Current?.RootId ?? Guid.NewGuid().ToString());

        switch (await visits.Submit(new VisitDraft(caller.TenantId, keyedId, key, intended, logged, author)))
        {
            case VisitOutcome.Created(var visit):
                return Results.Created($"/api/visits/{visit.Id}",
                    VisitView.From(visit, new PatientView(cmd.Patient.Name!.Trim(), cmd.Patient.Mrn!.Trim()), cmd.Notes?.Trim()));
            case VisitOutcome.Replayed(var earlier):
                http.Response.Headers[IdempotencyMiddleware.ReplayedHeader] = "true";
                return Results.Created($"/api/visits/{earlier.Id}", earlier.View(caller, cipher));
            case VisitOutcome.KeyReused:
                return Problems.IdempotencyKeyReused();
            case VisitOutcome.Refused(var refusal):
                return Problems.Refused(refusal.Rule, refusal.Detail);
            case VisitOutcome.ProbableDuplicate(var existing):
                return VisitInputs.ProbableDuplicate(existing);
            default:
                throw new InvalidOperationException("Unknown visit outcome.");
        }
    }
}

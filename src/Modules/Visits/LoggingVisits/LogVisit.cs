using ContractTherapy.Shared.Domain;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Idempotency;
using ContractTherapy.Shared.Security;
using ContractTherapy.Shared.Tenancy;
using ContractTherapy.Visits.Eligibility;
using ContractTherapy.Visits.Visits;
using Marten;
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
/// The hottest write of the product. One database round trip reads everything the rules need
/// (the contractor's eligibility, the tenant's settings, a possible duplicate), one more writes
/// the stream, its document and the duplicate guard.
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
    public static async Task<IResult> Post(LogVisit cmd, HttpContext http, IDocumentSession session, FieldCipher cipher, TimeProvider clock,
        CancellationToken ct)
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
        // between this commit and the key's answer being recorded finds this visit (in the same batch,
        // no extra round trip) and answers it, instead of a second visit or the duplicate guard's 409.
        var keyedId = IdempotencyMiddleware.DerivedId(http);
        var batch = session.CreateBatchQuery();
        var eligibilityQuery = batch.Load<ContractorEligibility>(contractorId);
        var settingsQuery = batch.Load<TenantSettings>(TenantSettings.IdFor(caller.TenantId));
        var duplicateQuery = batch.Load<VisitFingerprint>(key);
        var earlierQuery = keyedId is { } k ? batch.Load<Visit>(k) : null;
        await batch.Execute(ct);

        if (earlierQuery is not null && await earlierQuery is { } earlier)
        {
            // The same key for another visit (the first answer's record expired or was lost): as a reused key.
            if (earlier.DuplicateKey != key) return Problems.IdempotencyKeyReused();
            http.Response.Headers[IdempotencyMiddleware.ReplayedHeader] = "true";
            return Results.Created($"/api/visits/{earlier.Id}", earlier.View(caller, cipher));
        }

        var settings = await settingsQuery ?? TenantSettings.FromDefaults(TenantSettings.IdFor(caller.TenantId), clock.GetUtcNow());
        var refusal = VisitRules.Check(await eligibilityQuery, contractorId, agencyId, discipline, visitDate, clock.TodayIn(settings.TimeZone));
        if (refusal is not null) return Problems.Refused(refusal.Rule, refusal.Detail);

        var duplicate = await duplicateQuery;
        var intended = cmd.AllowDuplicate == true;
        if (duplicate is not null && !intended) return VisitInputs.ProbableDuplicate(duplicate.VisitId);

        var id = keyedId ?? Guid.CreateVersion7();
        var logged = new VisitLogged(id, contractorId, agencyId, patient, visitDate, discipline, visitType, cmd.Miles,
            PatientSeal.SealNotes(cipher, caller.TenantId, cmd.Notes), cmd.NoteSigned == true, intended ? cmd.DuplicateReason!.Trim() : null);
        session.Events.StartStream<Visit>(id, logged);
        if (duplicate is null) session.Insert(new VisitFingerprint { Id = key, VisitId = id });

        var visit = new Visit(id, 1, contractorId, agencyId, patient, visitDate, discipline, visitType, cmd.Miles, logged.Notes,
            logged.NoteSigned, VisitStatus.Open, null, logged.DuplicateReason);
        return Results.Created($"/api/visits/{id}",
            VisitView.From(visit, new PatientView(cmd.Patient.Name!.Trim(), cmd.Patient.Mrn!.Trim()), cmd.Notes?.Trim()));
    }
}

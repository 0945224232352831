using ContractTherapy.Shared.Domain;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Persistence;
using ContractTherapy.Shared.Security;
using ContractTherapy.Shared.Tenancy;
using ContractTherapy.Visits.Eligibility;
using ContractTherapy.Visits.LoggingVisits;
using ContractTherapy.Visits.Visits;
using ContractTherapy.Visits.VoidingVisits;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace ContractTherapy.Visits.CorrectingVisits;

/// <summary>
/// Only the fields that change, and why. <c>expectedVersion</c> (the visit's <c>version</c> as
/// read) makes a stale correction a 409 instead of silently overwriting someone else's.
/// </summary>
public sealed record CorrectVisit(
    Guid? AgencyId,
    PatientInput? Patient,
    DateOnly? VisitDate,
    [property: OneOf(typeof(Discipline))] string? Discipline,
    [property: OneOf(typeof(VisitType))] string? VisitType,
    decimal? Miles,
    string? Notes,
    string? Reason,
    long? ExpectedVersion,
    bool? AllowDuplicate,
    string? DuplicateReason);

public static class CorrectVisitEndpoint
{
    public static ProblemDetails Validate(CorrectVisit cmd)
    {
        var v = new Validation().Text("reason", cmd.Reason, 500);
        if (cmd.Discipline is not null) v.Discipline("discipline", cmd.Discipline);
        if (cmd.VisitType is not null) v.VisitType("visitType", cmd.VisitType);
        VisitInputs.CheckPatient(v, "patient", cmd.Patient, required: false);
        VisitInputs.CheckMilesAndNotes(v, cmd.Miles, cmd.Notes);
        VisitInputs.CheckDuplicateIntent(v, cmd.AllowDuplicate, cmd.DuplicateReason);
        return v.Result();
    }

    [WolverinePut("/api/visits/{id}"), Authorize(Policy = Policies.VisitsWrite), Tags("Visits")]
    [ProducesResponseType<VisitView>(StatusCodes.Status200OK)]
    // A probable duplicate (409, with existingVisitId), a stale expectedVersion or a voided visit (409), a rule refused (422).
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public static async Task<IResult> Put(Guid id, CorrectVisit cmd, HttpContext http, IDocumentSession session, FieldCipher cipher,
        TimeProvider clock, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        await session.SerializeBillingChangesAsync(caller.TenantId, ct);
        var stream = await session.Events.FetchForWriting<Visit>(id, ct);
        var visit = stream.Aggregate;
        if (visit is null || !caller.MayReach(visit)) return Problems.NotFound("visit", id);
        if (cmd.ExpectedVersion is { } expected && expected != visit.Version) return VisitConcurrency.Stale(visit.Version);
        if (visit.Status == VisitStatus.Voided) return Problems.Conflict("The visit is voided and cannot be corrected.");

        var tenant = caller.TenantId;
        var current = PatientSeal.Open(cipher, tenant, visit.Patient);
        var patientChanged = cmd.Patient is not null &&
                             (cmd.Patient.Name!.Trim() != current.Name || cmd.Patient.Mrn!.Trim() != current.Mrn);
        var corrected = visit with
        {
            AgencyId = cmd.AgencyId ?? visit.AgencyId,
            Patient = patientChanged ? PatientSeal.Seal(cipher, tenant, cmd.Patient!.Name!, cmd.Patient.Mrn!) : visit.Patient,
            VisitDate = cmd.VisitDate ?? visit.VisitDate,
            Discipline = cmd.Discipline is null ? visit.Discipline : Enum.Parse<Discipline>(cmd.Discipline, ignoreCase: true),
            VisitType = cmd.VisitType is null ? visit.VisitType : Enum.Parse<VisitType>(cmd.VisitType, ignoreCase: true),
            Miles = cmd.Miles ?? visit.Miles,
        };
        var currentNotes = PatientSeal.OpenNotes(cipher, tenant, visit.Notes);
        var notesChanged = cmd.Notes is not null && (string.IsNullOrWhiteSpace(cmd.Notes) ? currentNotes is not null : cmd.Notes.Trim() != currentNotes);
        if (notesChanged) corrected = corrected with { Notes = PatientSeal.SealNotes(cipher, tenant, cmd.Notes) };

        if (!patientChanged && !notesChanged && corrected == visit)
            return Problems.Invalid("body", "The correction changes nothing: send the fields whose values change.");

        var batch = session.CreateBatchQuery();
        var eligibilityQuery = batch.Load<ContractorEligibility>(visit.ContractorId);
        var settingsQuery = batch.Load<TenantSettings>(TenantSettings.IdFor(tenant));
        var keyChanged = corrected.DuplicateKey != visit.DuplicateKey;
        var newKey = VisitFingerprint.IdOf(corrected.DuplicateKey);
        var duplicateQuery = keyChanged ? batch.Query<Visit>().Where(v => v.HeldKey == newKey).ToList() : null;
        await batch.Execute(ct);

        var settings = await settingsQuery ?? TenantSettings.FromDefaults(TenantSettings.IdFor(tenant), clock.GetUtcNow());
        var refusal = VisitRules.Check(await eligibilityQuery, visit.ContractorId, corrected.AgencyId, corrected.Discipline,
            corrected.VisitDate, clock.TodayIn(settings.TimeZone));
        if (refusal is not null) return Problems.Refused(refusal.Rule, refusal.Detail);

        var intended = cmd.AllowDuplicate == true;
        string? duplicateReason = visit.DuplicateReason;
        bool? holdsKey = null; // the key stays: the visit holds it, or not, as before
        if (keyChanged)
        {
            var duplicate = duplicateQuery is null ? null : (await duplicateQuery).FirstOrDefault(v => v.Id != id);
            if (duplicate is not null && !intended) return VisitInputs.ProbableDuplicate(duplicate.Id);
            // The visit lets its old key go, and takes the new one where no visit holds it (the document's unique key
            // decides a race with a visit logged meanwhile: a 409 to try again).
            holdsKey = duplicate is null;
            duplicateReason = duplicate is null ? null : cmd.DuplicateReason!.Trim();
        }

        var reason = cmd.Reason!.Trim();
        session.Because(reason);
        var e = new VisitCorrected(id, corrected.AgencyId, corrected.Patient, corrected.VisitDate, corrected.Discipline, corrected.VisitType,
            corrected.Miles, corrected.Notes, reason, duplicateReason, holdsKey);
        stream.AppendOne(e);
        // The key it leaves goes to a live visit that shares it, if any (KeySuccession).
        var passedOn = keyChanged && await KeySuccession.PassOn(session, visit, ct);
        if (holdsKey == true || passedOn)
        {
            // Saved here, to answer the races this write can lose. The new key was free when read: a visit logged meanwhile
            // may have taken it (its unique index decides, and the answer names that visit, as it would have a moment later,
            // so the client can say whether it is intended). The key it let go went to a successor, whose stream may have
            // changed meanwhile.
            Task<IResult> DecideAgain(IDocumentSession again) => Put(id, cmd, http, again, cipher, clock, ct);
            try
            {
                // The successor's stream changed meanwhile (its invoicing, sent by a cycle close): decided again on what is committed.
                if (await Redecision.SaveOrDecideAgain(session, http, DecideAgain, ct) is { } decidedAgain) return decidedAgain;
            }
            catch (Exception x) when (UniqueKeys.Taken(x))
            {
                session.EjectAllPendingChanges();
                await using var fresh = session.DocumentStore.QuerySession(tenant);
                var holder = await fresh.Query<Visit>().Where(v => v.HeldKey == newKey).Select(v => v.Id).FirstOrDefaultAsync(ct);
                if (holder == Guid.Empty) throw;
                if (!intended || !Redecision.FirstAttempt(http)) return VisitInputs.ProbableDuplicate(holder);
                // It said a duplicate was intended: it is saved as one, leaving the key to the visit that took it, as it
                // would have been a moment later. Nothing of the first attempt was written (its transaction rolled back),
                // so the correction is decided again, whole, in a session of its own stamped as this one was.
                return await Redecision.Again(session, http, DecideAgain, ct);
            }
        }
        return Results.Ok((corrected with { Version = visit.Version + 1, DuplicateReason = duplicateReason, HoldsKey = holdsKey ?? visit.HoldsKey })
            .View(caller, cipher));
    }
}

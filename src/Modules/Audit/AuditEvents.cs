using System.Text.Json;
using System.Text.Json.Nodes;
using ContractTherapy.Shared.Audit;
using ContractTherapy.Shared.Http;
using ContractTherapy.Shared.Security;
using JasperFx.Events;
using Marten;

namespace ContractTherapy.Audit;

/// <summary>One event as compliance staff read it: what, which version, when, who, why, and the data.</summary>
public sealed record AuditEvent(Guid StreamId, string Type, long Version, long Sequence, DateTimeOffset Timestamp, string? User, string? Role,
    string? CorrelationId, string? CausationId, string? Reason, JsonNode? Data);

/// <summary>
/// Renders events for the audit endpoints. Sealed values (<c>enc:v1:...</c>) are patient data or
/// TINs: TINs are always masked; patient data is opened only for callers who may see it (the
/// owner), and that read is recorded in the PHI access log.
/// </summary>
public sealed class AuditEventRenderer(IDocumentStore store, FieldCipher cipher)
{
    public const string Masked = "***";

    public AuditEvent Render(IEvent e, Caller caller, bool openPatientData, HashSet<Guid> patientDataOpened)
    {
        var json = JsonNode.Parse(EventShapes.Json(e.Data, store.Options.Serializer()));
        var opened = Walk(json, null, caller.TenantId, openPatientData);
        if (opened) patientDataOpened.Add(e.StreamId);
        return new AuditEvent(e.StreamId, e.EventTypeName, e.Version, e.Sequence, e.Timestamp, e.UserName, Header(e, AuditStamp.RoleHeader),
            e.CorrelationId, e.CausationId, Header(e, AuditStamp.ReasonHeader), json);
    }

    public static bool MayOpenPatientData(Caller caller) => caller.Role == Roles.Owner;

    public void RecordReads(IDocumentSession session, Caller caller, DateTimeOffset at, string endpoint, HashSet<Guid> opened) =>
        session.RecordPhiRead(caller, at, endpoint, "event-stream", opened.ToList());

    private static string? Header(IEvent e, string name) => e.Headers is { } h && h.TryGetValue(name, out var v) ? v?.ToString() : null;

    private bool Walk(JsonNode? node, string? property, string tenant, bool open)
    {
        var opened = false;
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj.ToList())
                {
                    if (child is JsonValue value && value.TryGetValue<string>(out var s) && s.StartsWith("enc:v1:", StringComparison.Ordinal))
                    {
                        var isTin = key.Contains("tin", StringComparison.OrdinalIgnoreCase);
                        if (open && !isTin)
                        {
                            obj[key] = cipher.Decrypt(tenant, s);
                            opened = true;
                        }
                        else obj[key] = Masked;
                    }
                    else opened |= Walk(child, key, tenant, open);
                }
                break;
            case JsonArray array:
                foreach (var item in array) opened |= Walk(item, property, tenant, open);
                break;
        }
        return opened;
    }
}

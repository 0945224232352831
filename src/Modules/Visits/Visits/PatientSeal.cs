using ContractTherapy.Shared.Security;

namespace ContractTherapy.Visits.Visits;

/// <summary>What roles that may see patient data are shown of a patient.</summary>
public sealed record PatientView(string Name, string Mrn);

/// <summary>Seals patient data before it reaches an event or a document, and opens it for display.</summary>
public static class PatientSeal
{
    public static SealedPatient Seal(FieldCipher cipher, string tenant, string name, string mrn)
    {
        var cleanName = name.Trim();
        var cleanMrn = mrn.Trim();
        return new SealedPatient(
            cipher.Encrypt(tenant, cleanName),
            cipher.Encrypt(tenant, cleanMrn),
            cipher.Encrypt(tenant, Initials(cleanName)),
            cipher.Fingerprint(tenant, "mrn:" + cleanMrn.ToUpperInvariant()));
    }

    public static PatientView Open(FieldCipher cipher, string tenant, SealedPatient patient) =>
        new(cipher.Decrypt(tenant, patient.Name), cipher.Decrypt(tenant, patient.Mrn));

    /// <summary>First and last initials ("Mary Ann Smith" is "M.S."): all a pay stub shows of a patient.</summary>
    public static string Initials(string name)
    {
        var parts = name.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length switch
        {
            0 => "",
            1 => $"{char.ToUpperInvariant(parts[0][0])}.",
            _ => $"{char.ToUpperInvariant(parts[0][0])}.{char.ToUpperInvariant(parts[^1][0])}.",
        };
    }

    public static string? SealNotes(FieldCipher cipher, string tenant, string? notes) =>
        string.IsNullOrWhiteSpace(notes) ? null : cipher.Encrypt(tenant, notes.Trim());

    public static string? OpenNotes(FieldCipher cipher, string tenant, string? notes) =>
        notes is null ? null : cipher.Decrypt(tenant, notes);
}

using System.Security.Cryptography;
using ContractTherapy.Shared.Security;
using ContractTherapy.Visits.Visits;

namespace ContractTherapy.Tests.Units;

public class PatientSealTests
{
    private readonly FieldCipher _cipher =
        new("k1", new Dictionary<string, byte[]> { ["k1"] = RandomNumberGenerator.GetBytes(32) });

    [Theory]
    [InlineData("Mary Ann Smith", "M.S.")]
    [InlineData("cher", "C.")]
    [InlineData("  jane   doe ", "J.D.")]
    [InlineData("", "")]
    [InlineData("   ", "")]
    [InlineData("john smith", "J.S.")]
    public void initials_are_the_upper_cased_first_and_last_initials(string name, string expected)
    {
        PatientSeal.Initials(name).ShouldBe(expected);
    }

    [Fact]
    public void a_sealed_patient_opens_to_the_trimmed_name_and_mrn()
    {
        var sealedPatient = PatientSeal.Seal(_cipher, "tenant-a", "  Mary Ann Smith ", " MRN-001 ");

        var view = PatientSeal.Open(_cipher, "tenant-a", sealedPatient);

        view.ShouldBe(new PatientView("Mary Ann Smith", "MRN-001"));
    }

    [Fact]
    public void the_sealed_initials_decrypt_to_the_initials_of_the_name()
    {
        var sealedPatient = PatientSeal.Seal(_cipher, "tenant-a", "Mary Ann Smith", "MRN-001");

        _cipher.Decrypt("tenant-a", sealedPatient.Initials).ShouldBe("M.S.");
    }

    [Fact]
    public void the_sealed_fields_do_not_contain_the_plaintext()
    {
        var sealedPatient = PatientSeal.Seal(_cipher, "tenant-a", "Mary Ann Smith", "MRN-98765");

        foreach (var field in new[] { sealedPatient.Name, sealedPatient.Mrn, sealedPatient.Initials, sealedPatient.MrnFingerprint })
        {
            field.ShouldNotContain("Mary");
            field.ShouldNotContain("Smith");
            field.ShouldNotContain("98765");
            field.ShouldNotContain("M.S.");
        }
        sealedPatient.Name.ShouldStartWith("enc:v1:k1:");
        sealedPatient.Mrn.ShouldStartWith("enc:v1:k1:");
        sealedPatient.Initials.ShouldStartWith("enc:v1:k1:");
    }

    [Fact]
    public void a_sealed_patient_cannot_be_opened_under_another_tenant()
    {
        var sealedPatient = PatientSeal.Seal(_cipher, "tenant-a", "Mary Ann Smith", "MRN-001");

        var ex = Should.Throw<Exception>(() => PatientSeal.Open(_cipher, "tenant-b", sealedPatient));
        ex.ShouldBeAssignableTo<CryptographicException>();
    }

    [Fact]
    public void the_mrn_fingerprint_ignores_case_and_surrounding_whitespace()
    {
        var first = PatientSeal.Seal(_cipher, "tenant-a", "Jane Doe", "mrn-1");
        var second = PatientSeal.Seal(_cipher, "tenant-a", "Jane Doe", " MRN-1 ");

        first.MrnFingerprint.ShouldBe(second.MrnFingerprint);
    }

    [Fact]
    public void the_mrn_fingerprint_does_not_depend_on_the_patient_name()
    {
        var first = PatientSeal.Seal(_cipher, "tenant-a", "Jane Doe", "MRN-1");
        var second = PatientSeal.Seal(_cipher, "tenant-a", "John Roe", "MRN-1");

        first.MrnFingerprint.ShouldBe(second.MrnFingerprint);
    }

    [Fact]
    public void the_mrn_fingerprint_differs_between_tenants()
    {
        var first = PatientSeal.Seal(_cipher, "tenant-a", "Jane Doe", "MRN-1");
        var second = PatientSeal.Seal(_cipher, "tenant-b", "Jane Doe", "MRN-1");

        first.MrnFingerprint.ShouldNotBe(second.MrnFingerprint);
    }

    [Fact]
    public void the_mrn_fingerprint_differs_between_different_mrns()
    {
        var first = PatientSeal.Seal(_cipher, "tenant-a", "Jane Doe", "MRN-1");
        var second = PatientSeal.Seal(_cipher, "tenant-a", "Jane Doe", "MRN-2");

        first.MrnFingerprint.ShouldNotBe(second.MrnFingerprint);
    }

    [Fact]
    public void sealing_the_same_patient_twice_gives_different_ciphertexts_but_the_same_fingerprint()
    {
        var first = PatientSeal.Seal(_cipher, "tenant-a", "Jane Doe", "MRN-1");
        var second = PatientSeal.Seal(_cipher, "tenant-a", "Jane Doe", "MRN-1");

        first.Name.ShouldNotBe(second.Name);
        first.Mrn.ShouldNotBe(second.Mrn);
        first.MrnFingerprint.ShouldBe(second.MrnFingerprint);
    }

    [Fact]
    public void notes_round_trip_trimmed_and_blank_notes_seal_to_null()
    {
        var sealedNotes = PatientSeal.SealNotes(_cipher, "tenant-a", "  patient tolerated well ");

        sealedNotes.ShouldNotBeNull();
        sealedNotes.ShouldNotContain("tolerated");
        PatientSeal.OpenNotes(_cipher, "tenant-a", sealedNotes).ShouldBe("patient tolerated well");
        PatientSeal.SealNotes(_cipher, "tenant-a", "   ").ShouldBeNull();
        PatientSeal.SealNotes(_cipher, "tenant-a", null).ShouldBeNull();
        PatientSeal.OpenNotes(_cipher, "tenant-a", null).ShouldBeNull();
    }
}

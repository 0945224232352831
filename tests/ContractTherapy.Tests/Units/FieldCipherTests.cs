using System.Security.Cryptography;
using ContractTherapy.Shared.Security;

namespace ContractTherapy.Tests.Units;

public class FieldCipherTests
{
    private static readonly byte[] Key1 = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] Key2 = Enumerable.Range(101, 32).Select(i => (byte)i).ToArray();

    private static FieldCipher CipherWith(string current, params (string Id, byte[] Key)[] keys) =>
        new(current, keys.ToDictionary(k => k.Id, k => k.Key));

    private static void ShouldFailToDecrypt(Action decrypt)
    {
        var ex = Should.Throw<Exception>(decrypt);
        ex.ShouldBeAssignableTo<CryptographicException>();
    }

    [Fact]
    public void a_value_round_trips_through_encrypt_and_decrypt()
    {
        var cipher = CipherWith("k1", ("k1", Key1));

        var encrypted = cipher.Encrypt("tenant-a", "123-45-6789");

        cipher.Decrypt("tenant-a", encrypted).ShouldBe("123-45-6789");
    }

    [Fact]
    public void a_tenants_decryptor_opens_many_fields_under_old_and_new_keys_and_nothing_of_another_tenant()
    {
        var old = CipherWith("k1", ("k1", Key1));
        var rotated = CipherWith("k2", ("k1", Key1), ("k2", Key2));
        var values = Enumerable.Range(0, 50).Select(i => $"{123450000 + i}").ToList();
        var sealedValues = values.Select((v, i) => (i % 2 == 0 ? old : rotated).Encrypt("tenant-a", v)).ToList();
        var foreign = rotated.Encrypt("tenant-b", "999999999");

        using (var decryptor = rotated.DecryptorFor("tenant-a"))
        {
            sealedValues.Select(decryptor.Decrypt).ShouldBe(values);
            sealedValues.Select(decryptor.Decrypt).ShouldBe(values.Select((_, i) => rotated.Decrypt("tenant-a", sealedValues[i])));
            ShouldFailToDecrypt(() => decryptor.Decrypt(foreign));
            ShouldFailToDecrypt(() => decryptor.Decrypt(sealedValues[0].Replace("enc:v1:k1:", "enc:v1:k3:")));
            ShouldFailToDecrypt(() => decryptor.Decrypt("123456789"));
            decryptor.Decrypt(sealedValues[1]).ShouldBe(values[1]);  // a failure leaves the decryptor usable
        }
        var disposed = rotated.DecryptorFor("tenant-a");
        disposed.Dispose();
        Should.Throw<ObjectDisposedException>(() => disposed.Decrypt(sealedValues[0]));
    }

    [Fact]
    public void unicode_and_empty_values_round_trip()
    {
        var cipher = CipherWith("k1", ("k1", Key1));

        cipher.Decrypt("t", cipher.Encrypt("t", "")).ShouldBe("");
        cipher.Decrypt("t", cipher.Encrypt("t", "José Müller – 日本")).ShouldBe("José Müller – 日本");
    }

    [Fact]
    public void ciphertext_carries_the_version_and_key_id_but_not_the_plaintext()
    {
        var cipher = CipherWith("k1", ("k1", Key1));

        var encrypted = cipher.Encrypt("tenant-a", "123456789");

        encrypted.ShouldStartWith("enc:v1:k1:");
        encrypted.ShouldNotContain("123456789");
        encrypted.ShouldNotContain("6789");
    }

    [Fact]
    public void two_encryptions_of_the_same_value_differ()
    {
        var cipher = CipherWith("k1", ("k1", Key1));

        var first = cipher.Encrypt("tenant-a", "123456789");
        var second = cipher.Encrypt("tenant-a", "123456789");

        first.ShouldNotBe(second);
        cipher.Decrypt("tenant-a", first).ShouldBe("123456789");
        cipher.Decrypt("tenant-a", second).ShouldBe("123456789");
    }

    [Fact]
    public void decrypting_with_another_tenant_fails()
    {
        var cipher = CipherWith("k1", ("k1", Key1));
        var encrypted = cipher.Encrypt("tenant-a", "123456789");

        ShouldFailToDecrypt(() => cipher.Decrypt("tenant-b", encrypted));
    }

    [Fact]
    public void a_value_encrypted_under_a_previous_key_still_decrypts_after_rotation()
    {
        var before = CipherWith("k1", ("k1", Key1));
        var old = before.Encrypt("tenant-a", "987654321");

        var after = CipherWith("k2", ("k2", Key2), ("k1", Key1));

        old.ShouldStartWith("enc:v1:k1:");
        after.Decrypt("tenant-a", old).ShouldBe("987654321");
    }

    [Fact]
    public void after_rotation_new_values_carry_the_current_key()
    {
        var after = CipherWith("k2", ("k2", Key2), ("k1", Key1));

        var fresh = after.Encrypt("tenant-a", "987654321");

        fresh.ShouldStartWith("enc:v1:k2:");
        after.Decrypt("tenant-a", fresh).ShouldBe("987654321");
        // a cipher that only knows the old key cannot read it
        ShouldFailToDecrypt(() => CipherWith("k1", ("k1", Key1)).Decrypt("tenant-a", fresh));
    }

    [Fact]
    public void an_unknown_key_id_fails()
    {
        var old = CipherWith("k1", ("k1", Key1)).Encrypt("tenant-a", "987654321");
        var withoutK1 = CipherWith("k2", ("k2", Key2));

        var ex = Should.Throw<Exception>(() => withoutK1.Decrypt("tenant-a", old));
        ex.ShouldBeAssignableTo<CryptographicException>();
        ex.Message.ShouldContain("k1");
    }

    [Fact]
    public void a_same_named_key_with_different_bytes_fails()
    {
        var encrypted = CipherWith("k1", ("k1", Key1)).Encrypt("tenant-a", "987654321");

        ShouldFailToDecrypt(() => CipherWith("k1", ("k1", Key2)).Decrypt("tenant-a", encrypted));
    }

    [Theory]
    [InlineData(0)]   // nonce
    [InlineData(12)]  // tag
    [InlineData(28)]  // ciphertext body
    public void tampered_ciphertext_fails(int byteIndex)
    {
        var cipher = CipherWith("k1", ("k1", Key1));
        var encrypted = cipher.Encrypt("tenant-a", "123456789");
        const string prefix = "enc:v1:k1:";
        var buffer = Convert.FromBase64String(encrypted[prefix.Length..]);
        buffer[byteIndex] ^= 0x01;
        var tampered = prefix + Convert.ToBase64String(buffer);

        ShouldFailToDecrypt(() => cipher.Decrypt("tenant-a", tampered));
    }

    [Fact]
    public void a_truncated_ciphertext_fails()
    {
        var cipher = CipherWith("k1", ("k1", Key1));

        ShouldFailToDecrypt(() => cipher.Decrypt("tenant-a", "enc:v1:k1:" + Convert.ToBase64String(new byte[10])));
    }

    [Theory]
    [InlineData("123456789")]
    [InlineData("enc:v2:k1:AAAA")]
    [InlineData("enc:v1:nokeyid")]
    public void a_value_that_is_not_an_encrypted_field_fails(string value)
    {
        var cipher = CipherWith("k1", ("k1", Key1));

        ShouldFailToDecrypt(() => cipher.Decrypt("tenant-a", value));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(64)]
    public void the_constructor_rejects_a_current_key_that_is_not_32_bytes(int length)
    {
        Should.Throw<ArgumentException>(() => CipherWith("k1", ("k1", new byte[length])));
    }

    [Fact]
    public void the_constructor_rejects_a_current_key_id_that_is_not_configured()
    {
        Should.Throw<ArgumentException>(() => CipherWith("k2", ("k1", Key1)));
    }

    [Fact]
    public void the_constructor_rejects_a_key_id_containing_a_colon()
    {
        Should.Throw<ArgumentException>(() => CipherWith("k:1", ("k:1", Key1)));
    }
}

using System.Security.Cryptography;
using System.Text;
using ContractTherapy.Shared.Security;

namespace ContractTherapy.Host.Infrastructure;

/// <summary>
/// <c>Encryption:Key</c> (base64, 32 bytes) is the current master key, named by
/// <c>Encryption:KeyId</c> (default <c>k1</c>). Rotation: move the old key to
/// <c>Encryption:PreviousKeys:{id}</c> and configure a new current key; old values still decrypt.
/// Outside Development the host refuses to start without a key.
/// </summary>
public static class EncryptionSetup
{
    public static void AddFieldEncryption(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Encryption");
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var previous in section.GetSection("PreviousKeys").GetChildren())
            keys[previous.Key] = Decode(previous.Value, $"Encryption:PreviousKeys:{previous.Key}");

        string currentId;
        if (section["Key"] is { Length: > 0 } configured)
        {
            currentId = section["KeyId"] ?? "k1";
            keys[currentId] = Decode(configured, "Encryption:Key");
        }
        else if (builder.Environment.IsDevelopment())
        {
            currentId = "dev";
            keys[currentId] = SHA256.HashData(Encoding.UTF8.GetBytes("contracttherapy development encryption key"));
        }
        else
        {
            throw new InvalidOperationException("Encryption:Key (base64, 32 bytes) must be configured outside Development.");
        }

        builder.Services.AddSingleton(new FieldCipher(currentId, keys));
    }

    private static byte[] Decode(string? value, string name)
    {
        try
        {
            var bytes = Convert.FromBase64String(value ?? "");
            if (bytes.Length == 32) return bytes;
        }
        catch (FormatException)
        {
        }
        throw new InvalidOperationException($"{name} must be base64 of exactly 32 bytes.");
    }
}

using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace ContractTherapy.Shared.Security;

/// <summary>
/// Encrypts sensitive fields (TINs, patient data) before they reach an event, a document or a
/// queue. AES-256-GCM with a key per tenant derived (HKDF-SHA256) from the configured master
/// key, the tenant id bound in as associated data so a ciphertext cannot be moved to another
/// tenant. The key id travels in the ciphertext (<c>enc:v1:{keyId}:{base64}</c>), so a rotated
/// master key still decrypts older values while new ones use the current key.
/// </summary>
public sealed class FieldCipher
{
    private const string Prefix = "enc:v1:";
    private readonly string _currentKeyId;
    private readonly IReadOnlyDictionary<string, byte[]> _masterKeys;
    private readonly ConcurrentDictionary<(string KeyId, string Tenant), byte[]> _tenantKeys = new();

    public FieldCipher(string currentKeyId, IReadOnlyDictionary<string, byte[]> masterKeys)
    {
        if (!masterKeys.TryGetValue(currentKeyId, out var current) || current.Length != 32)
            throw new ArgumentException("The current encryption key must be 32 bytes.", nameof(masterKeys));
        if (currentKeyId.Contains(':')) throw new ArgumentException("A key id may not contain ':'.", nameof(currentKeyId));
        _currentKeyId = currentKeyId;
        _masterKeys = masterKeys;
    }

    public string Encrypt(string tenant, string plaintext)
    {
        var key = TenantKey(_currentKeyId, tenant);
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var buffer = new byte[12 + 16 + plain.Length];
        var nonce = buffer.AsSpan(0, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(nonce, plain, buffer.AsSpan(28), buffer.AsSpan(12, 16), Encoding.UTF8.GetBytes(tenant));
        return $"{Prefix}{_currentKeyId}:{Convert.ToBase64String(buffer)}";
    }

    public string Decrypt(string tenant, string ciphertext)
    {
        var (keyId, buffer) = Parse(ciphertext);
        using var aes = new AesGcm(TenantKey(keyId, tenant), 16);
        return Open(aes, buffer, tenant);
    }

    /// <summary>
    /// Decrypts many fields of one tenant (the 10,000 TINs of a 1099 IRIS file) with one AES-GCM instance
    /// per key, where <see cref="Decrypt"/> sets one up (key schedule and native context) for every field.
    /// Not thread-safe: one per request, disposed after it.
    /// </summary>
    public TenantDecryptor DecryptorFor(string tenant) => new(this, tenant);

    public sealed class TenantDecryptor(FieldCipher cipher, string tenant) : IDisposable
    {
        private readonly Dictionary<string, AesGcm> _byKey = new();
        private bool _disposed;

        public string Decrypt(string ciphertext)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var (keyId, buffer) = Parse(ciphertext);
            if (!_byKey.TryGetValue(keyId, out var aes))
                _byKey[keyId] = aes = new AesGcm(cipher.TenantKey(keyId, tenant), 16);
            return Open(aes, buffer, tenant);
        }

        public void Dispose()
        {
            _disposed = true;
            foreach (var aes in _byKey.Values) aes.Dispose();
            _byKey.Clear();
        }
    }

    private static (string KeyId, byte[] Buffer) Parse(string ciphertext)
    {
        if (!ciphertext.StartsWith(Prefix, StringComparison.Ordinal))
            throw new CryptographicException("Not an encrypted field.");
        var rest = ciphertext.AsSpan(Prefix.Length);
        var colon = rest.IndexOf(':');
        if (colon < 0) throw new CryptographicException("Malformed encrypted field.");
        var buffer = Convert.FromBase64String(rest[(colon + 1)..].ToString());
        if (buffer.Length < 28) throw new CryptographicException("Malformed encrypted field.");
        return (rest[..colon].ToString(), buffer);
    }

    private static string Open(AesGcm aes, byte[] buffer, string tenant)
    {
        var plain = new byte[buffer.Length - 28];
        aes.Decrypt(buffer.AsSpan(0, 12), buffer.AsSpan(28), buffer.AsSpan(12, 16), plain, Encoding.UTF8.GetBytes(tenant));
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>
    /// A keyed fingerprint (HMAC-SHA256, per tenant) of a sensitive value, for equality lookups
    /// such as duplicate detection without storing the value in clear. It uses the current
    /// key: after a rotation, fingerprints made under the old key no longer match new ones.
    /// </summary>
    public string Fingerprint(string tenant, string value)
    {
        var key = _indexKeys.GetOrAdd(tenant, t => HKDF.DeriveKey(HashAlgorithmName.SHA256, _masterKeys[_currentKeyId], 32, salt: [],
            info: Encoding.UTF8.GetBytes($"contracttherapy:tenant-index:{t}")));
        return Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(value)));
    }

    private readonly ConcurrentDictionary<string, byte[]> _indexKeys = new();

    private byte[] TenantKey(string keyId, string tenant) => _tenantKeys.GetOrAdd((keyId, tenant), k =>
    {
        if (!_masterKeys.TryGetValue(k.KeyId, out var master))
            throw new CryptographicException($"Encryption key '{k.KeyId}' is not configured.");
        return HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, salt: [],
            info: Encoding.UTF8.GetBytes($"contracttherapy:tenant:{k.Tenant}"));
    });
}

using System.Security.Cryptography;
using System.Text;

namespace ContractTherapy.Shared.Persistence;

/// <summary>
/// Deterministic stream ids (RFC 4122 version 5, SHA-1 name based) for streams that exist once
/// per something else: a tenant's settings, a contractor's pay sheet. Knowing the owner is
/// enough to find the stream, and two racing first writes collide instead of forking.
/// </summary>
public static class StreamIds
{
    private static readonly Guid Namespace = new("6f1c1c55-3f4e-4b8e-9a55-4c8f2f0c7a10");

    public static Guid For(string kind, string owner)
    {
        var ns = Namespace.ToByteArray(bigEndian: true);
        var name = Encoding.UTF8.GetBytes($"{kind}:{owner}");
        var hash = SHA1.HashData([.. ns, .. name]);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    public static Guid For(string kind, Guid owner) => For(kind, owner.ToString("N"));
}

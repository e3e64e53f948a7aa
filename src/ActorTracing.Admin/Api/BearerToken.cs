using System.Security.Cryptography;
using System.Text;

namespace ActorTracing.Admin;

/// <summary>
/// Checks `Authorization: Bearer &lt;token&gt;` in constant time. Both sides are hashed first so the
/// comparison takes the same time whatever the length of the guess, and the expected token is
/// kept only as its hash.
/// </summary>
internal sealed class BearerToken
{
    private const string Scheme = "Bearer ";
    private readonly byte[] _expectedHash;

    public BearerToken(string token) => _expectedHash = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public bool Matches(string? authorizationHeader)
    {
        var presented = authorizationHeader is not null && authorizationHeader.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
            ? authorizationHeader[Scheme.Length..].Trim()
            : string.Empty;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        return CryptographicOperations.FixedTimeEquals(hash, _expectedHash) && presented.Length > 0;
    }
}

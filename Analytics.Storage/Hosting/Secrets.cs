using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Analytics.Storage.Hosting;

/// <summary>
/// Random secrets handed out once (API keys, password reset tokens) and the SHA-256 that is kept of them instead. A
/// fast hash is right here: the secrets are random and long, unlike passwords.
/// </summary>
public static class Secrets
{
    /// <summary>32 random bytes as base64url, after <paramref name="prefix"/>.</summary>
    public static string New(string prefix = "") => prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}

using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Analytics.Storage.Hosting;

/// <summary>
/// How every password this server keeps is hashed (accounts, shared links): ASP.NET Core Identity's v3 format,
/// PBKDF2 with HMAC-SHA512 and 600,000 iterations (OWASP's 2023 figure for PBKDF2-HMAC-SHA256 or better).
/// </summary>
public static class PasswordHashing
{
    public static PasswordHasher<string> Hasher { get; } = new(Options.Create(new PasswordHasherOptions
    {
        CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
        IterationCount = 600_000,
    }));
}

using System.Security.Cryptography;
using System.Text;
using Analytics.ServiceDefaults;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Npgsql;
using OtpNet;
using QRCoder;

namespace Analytics.Dashboard.Accounts;

/// <summary>An enrolment under way: the secret in base32 (to type into an app), the otpauth address and its QR code (a PNG data URI).</summary>
public sealed record TwoFactorEnrolment(string Secret, string Uri, string QrCode);

/// <summary>
/// Two-factor sign-in with TOTP (RFC 6238: 6 digits, 30 s, HMAC-SHA1, what every authenticator app reads from a QR
/// code). Enrolment keeps a new secret (encrypted with the dashboard's keys) until a code from the app confirms it,
/// then gives ten recovery codes, each good once. At sign-in, after the password, the browser holds a short-lived
/// pending ticket until a code (or a recovery code) completes it. A code is taken once (its time step is remembered),
/// and wrong codes are throttled like passwords.
/// </summary>
public sealed class TwoFactor(NpgsqlDataSource dataSource, IDataProtectionProvider protection, AttemptThrottle throttle, SecurityLog log, PublicUrl publicUrl)
{
    public const int RecoveryCodeCount = 10;

    /// <summary>How long the pending sign-in between the password and the code lasts.</summary>
    public static readonly TimeSpan PendingLifetime = TimeSpan.FromMinutes(10);

    private const string PendingCookie = "analytics_second_factor";

    private readonly IDataProtector _secrets = protection.CreateProtector("analytics.totp-secret");

    private readonly ITimeLimitedDataProtector _pending = protection.CreateProtector("analytics.totp-pending").ToTimeLimitedDataProtector();

    public async Task<bool> IsEnabledAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT totp_enabled_at IS NOT NULL FROM users WHERE id = @userId", new { userId }, cancellationToken: cancellationToken));
    }

    /// <summary>Starts (or starts again) an enrolment: a new secret, not yet in force; null when two factors are on already.</summary>
    public async Task<TwoFactorEnrolment?> BeginAsync(long userId, string email, CancellationToken cancellationToken)
    {
        var secret = KeyGeneration.GenerateRandomKey(20);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var started = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET totp_secret = @secret WHERE id = @userId AND totp_enabled_at IS NULL",
            new { userId, secret = _secrets.Protect(Convert.ToBase64String(secret)) }, cancellationToken: cancellationToken));
        return started == 1 ? Enrolment(secret, email) : null;
    }

    /// <summary>The enrolment under way (to show it again after a wrong code), or null.</summary>
    public async Task<TwoFactorEnrolment?> PendingEnrolmentAsync(long userId, string email, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var stored = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT totp_secret FROM users WHERE id = @userId AND totp_enabled_at IS NULL", new { userId }, cancellationToken: cancellationToken));
        return stored is null ? null : Enrolment(Secret(stored), email);
    }

    /// <summary>Confirms the enrolment with a code from the app: two factors from now on; the recovery codes (shown once), or null for a wrong code.</summary>
    public async Task<IReadOnlyList<string>?> ConfirmAsync(long userId, string code, string network, CancellationToken cancellationToken)
    {
        await throttle.CountSecondFactorAttemptAsync(userId, network, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var stored = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT totp_secret FROM users WHERE id = @userId AND totp_enabled_at IS NULL FOR UPDATE", new { userId }, transaction, cancellationToken: cancellationToken));
        if (stored is null || Step(Secret(stored), code) is not { } step)
        {
            return null;
        }

        var codes = Enumerable.Range(0, RecoveryCodeCount).Select(_ => NewRecoveryCode()).ToList();
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE users SET totp_enabled_at = now(), totp_last_step = @step WHERE id = @userId;
            DELETE FROM recovery_codes WHERE user_id = @userId;
            INSERT INTO recovery_codes (user_id, code_hash) SELECT @userId, unnest(@hashes);
            """,
            new { userId, step, hashes = codes.Select(Hash).ToArray() }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return codes;
    }

    /// <summary>Back to the password alone (the caller has checked the password again).</summary>
    public async Task DisableAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = @userId;
            DELETE FROM recovery_codes WHERE user_id = @userId;
            """, new { userId }, cancellationToken: cancellationToken));
    }

    /// <summary>After the right password of an account with two factors: the browser's ticket for the code page.</summary>
    public void StartPending(HttpContext http, long userId, string returnUrl)
        => http.Response.Cookies.Append(CookieName, _pending.Protect($"{userId}\n{returnUrl}", PendingLifetime), DashboardCookies.Options(publicUrl, http, PendingLifetime, SameSiteMode.Strict));

    /// <summary>The user and return address of this browser's pending sign-in, or null (none, expired or forged).</summary>
    public (long UserId, string ReturnUrl)? Pending(HttpContext http)
    {
        try
        {
            return http.Request.Cookies[CookieName] is { } value && _pending.Unprotect(value).Split('\n') is [var id, var url] && long.TryParse(id, out var userId)
                ? (userId, url)
                : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public void EndPending(HttpContext http) => http.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/" });

    /// <summary>
    /// Checks a code from the app (this time step or the one before or after, never one taken already) or a recovery
    /// code (then used up). Throws <see cref="ThrottledException"/> after too many wrong ones.
    /// </summary>
    public async Task<bool> VerifyAsync(long userId, string email, string code, string network, CancellationToken cancellationToken)
    {
        await throttle.CountSecondFactorAttemptAsync(userId, network, cancellationToken);
        var typed = new string((code ?? string.Empty).Where(c => !char.IsWhiteSpace(c) && c != '-').ToArray()).ToLowerInvariant();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        bool ok;
        if (typed.Length == 6 && typed.All(char.IsAsciiDigit))
        {
            var stored = await connection.QuerySingleOrDefaultAsync<(string? Secret, long? LastStep)>(new CommandDefinition(
                "SELECT totp_secret, totp_last_step FROM users WHERE id = @userId AND totp_enabled_at IS NOT NULL", new { userId }, cancellationToken: cancellationToken));
            ok = stored.Secret is not null && Step(Secret(stored.Secret), typed) is { } step && (stored.LastStep is null || step > stored.LastStep)
                && await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE users SET totp_last_step = @step WHERE id = @userId AND (totp_last_step IS NULL OR totp_last_step < @step)",
                    new { userId, step }, cancellationToken: cancellationToken)) == 1;
        }
        else
        {
            ok = await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE recovery_codes SET used_at = now() WHERE user_id = @userId AND code_hash = @hash AND used_at IS NULL",
                new { userId, hash = Hash(typed) }, cancellationToken: cancellationToken)) == 1;
        }

        log.Write("second-factor", ok ? "succeeded" : "failed", userId, email, network, typed.Length == 6 ? "app code" : "recovery code");
        if (ok)
        {
            await throttle.SecondFactorSucceededAsync(userId, network, cancellationToken);
        }

        return ok;
    }

    /// <summary>How many recovery codes are left unused.</summary>
    public async Task<int> RecoveryCodesLeftAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*) FROM recovery_codes WHERE user_id = @userId AND used_at IS NULL", new { userId }, cancellationToken: cancellationToken));
    }

    private string CookieName => DashboardCookies.Name(publicUrl, PendingCookie);

    private byte[] Secret(string stored) => Convert.FromBase64String(_secrets.Unprotect(stored));

    /// <summary>The time step a 6-digit code matches (now, or one step either side for clocks a little apart), or null.</summary>
    private static long? Step(byte[] secret, string code)
        => code.Length == 6 && code.All(char.IsAsciiDigit) && new Totp(secret).VerifyTotp(code, out var step, new VerificationWindow(previous: 1, future: 1)) ? step : null;

    private static TwoFactorEnrolment Enrolment(byte[] secret, string email)
    {
        var base32 = Base32Encoding.ToString(secret).TrimEnd('=');
        var uri = $"otpauth://totp/{Uri.EscapeDataString("Analytics:" + email)}?secret={base32}&issuer=Analytics&algorithm=SHA1&digits=6&period=30";
        using var data = QRCodeGenerator.GenerateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(5);
        return new TwoFactorEnrolment(base32, uri, "data:image/png;base64," + Convert.ToBase64String(png));
    }

    /// <summary>Ten characters of base32 (50 bits) as two groups: <c>k7m2p-q9x4r</c>.</summary>
    private static string NewRecoveryCode()
    {
        const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        var chars = RandomNumberGenerator.GetItems<char>(Alphabet, 10);
        return new string(chars, 0, 5) + "-" + new string(chars, 5, 5);
    }

    private static string Hash(string code) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code.Replace("-", string.Empty, StringComparison.Ordinal).ToLowerInvariant())));
}

using System.Security.Cryptography;
using Analytics.Storage.Hosting;
using Analytics.ServiceDefaults;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Analytics.Dashboard.Accounts;

/// <summary>
/// Accounts in PostgreSQL. Passwords are stored as PBKDF2-HMAC-SHA512 hashes (600,000 iterations) and must pass the
/// <see cref="PasswordPolicy"/>. Attempts at a password are counted by <see cref="AttemptThrottle"/> per account and
/// per network. Reset tokens, like API keys, are random and kept only as their SHA-256; issuing one or setting a
/// password voids every earlier one. Every outcome that matters to security goes to the <see cref="SecurityLog"/>.
/// </summary>
public sealed class UserStore(NpgsqlDataSource dataSource, PasswordPolicy policy, AttemptThrottle throttle, SecurityLog log)
{
    public static readonly TimeSpan ResetTokenLifetime = TimeSpan.FromHours(1);

    /// <summary>How long the setup link printed at the first start of a server with closed sign-up works.</summary>
    public static readonly TimeSpan SetupTokenLifetime = TimeSpan.FromDays(1);

    private const string Columns = "id AS Id, email AS Email, is_admin AS IsAdmin, created_at AS CreatedAt";

    /// <summary>The user's columns and what a password check needs.</summary>
    private const string CredentialColumns = Columns + ", password_hash AS Hash, disabled_at IS NOT NULL AS Disabled";

    private static PasswordHasher<string> Hasher => PasswordHashing.Hasher;

    /// <summary>Hashed once, verified against for unknown addresses so that a log-in takes as long whether or not the account exists.</summary>
    private static readonly Lazy<string> DecoyHash = new(() => Hasher.HashPassword("decoy", Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))));

    public PasswordPolicy Policy => policy;

    /// <summary>
    /// Adds a user: an admin when <paramref name="admin"/> or when it is the server's first account. The first account is
    /// decided under a row lock, so two sign-ups racing on a fresh server make one admin.
    /// </summary>
    public Task<User> AddAsync(string email, string password, bool admin, CancellationToken cancellationToken)
        => AddAsync(email, password, admin, setupToken: null, cancellationToken);

    /// <summary>
    /// Adds the first account, as admin, with the setup token printed at the start of a server whose sign-up is closed.
    /// The token is used up; it is refused once any account exists.
    /// </summary>
    public Task<User> AddFirstAdminAsync(string email, string password, string setupToken, CancellationToken cancellationToken)
        => AddAsync(email, password, admin: true, setupToken ?? string.Empty, cancellationToken);

    private async Task<User> AddAsync(string email, string password, bool admin, string? setupToken, CancellationToken cancellationToken)
    {
        var address = EmailAddress.Check(email, "email");
        policy.Check(password, address, "password");
        var hash = Hasher.HashPassword(address, password);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var setupHash = await connection.QuerySingleAsync<byte[]?>(new CommandDefinition(
            "SELECT CASE WHEN setup_token_expires_at > now() THEN setup_token_hash END FROM bootstrap FOR UPDATE", transaction: transaction, cancellationToken: cancellationToken));
        if (setupToken is not null)
        {
            if (setupHash is null || !CryptographicOperations.FixedTimeEquals(setupHash, Secrets.Hash(setupToken))
                || await connection.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM users)", transaction: transaction, cancellationToken: cancellationToken)))
            {
                throw new FieldValidationException("setup", "This setup link is not valid: it was used already, has expired, or an account exists. Use the newest link the server printed, or `analytics users add EMAIL --admin`.");
            }

            await connection.ExecuteAsync(new CommandDefinition("UPDATE bootstrap SET setup_token_hash = NULL, setup_token_expires_at = NULL", transaction: transaction, cancellationToken: cancellationToken));
        }

        try
        {
            var user = await connection.QuerySingleAsync<User>(new CommandDefinition(
                $"""
                INSERT INTO users (email, password_hash, is_admin)
                VALUES (@address, @hash, @admin OR NOT EXISTS (SELECT 1 FROM users))
                RETURNING {Columns}
                """,
                new { address, hash, admin }, transaction, cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            return user;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new FieldValidationException("email", $"A user with the email '{address}' already exists.");
        }
    }

    /// <summary>
    /// A new setup token for the first admin, voiding any earlier one; null when an account exists already. Printed at
    /// the start of a server whose sign-up is closed.
    /// </summary>
    public async Task<string?> NewSetupTokenAsync(CancellationToken cancellationToken)
    {
        var token = Secrets.New("setup_");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var issued = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE bootstrap SET setup_token_hash = @hash, setup_token_expires_at = now() + @lifetime WHERE NOT EXISTS (SELECT 1 FROM users)",
            new { hash = Secrets.Hash(token), lifetime = SetupTokenLifetime }, cancellationToken: cancellationToken));
        return issued > 0 ? token : null;
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM users", cancellationToken: cancellationToken));
    }

    public async Task<User?> FindAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<User>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    public async Task<User?> FindByEmailAsync(string email, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<User>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE lower(email) = lower(@email)",
            new { email = email.Trim() }, cancellationToken: cancellationToken));
    }

    /// <summary>Every account with whether it is disabled, for the admin.</summary>
    public async Task<IReadOnlyList<(User User, bool Disabled)>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<UserRow>(new CommandDefinition(
            $"SELECT {Columns}, disabled_at IS NOT NULL AS Disabled FROM users ORDER BY id", cancellationToken: cancellationToken));
        return rows.Select(r => (new User(r.Id, r.Email, r.IsAdmin, r.CreatedAt), r.Disabled)).ToList();
    }

    /// <summary>
    /// A log-in: the user when the password matches and the account is enabled. The attempt is counted before the
    /// password is checked; while the account (from this network), the network or the account as a whole has had too
    /// many wrong passwords, it is refused with the time it is heard again, whether or not the account exists.
    /// </summary>
    public async Task<SignInResult> SignInAsync(string email, string password, string network, CancellationToken cancellationToken)
    {
        email = (email ?? string.Empty).Trim();
        try
        {
            await throttle.CountPasswordAttemptAsync(email, network, cancellationToken);
        }
        catch (ThrottledException e)
        {
            log.Write("login", "throttled", null, email, network, $"refused until {e.Until:u}");
            return new SignInResult(null, e.Until);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Credentials>(new CommandDefinition(
            $"SELECT {CredentialColumns} FROM users WHERE lower(email) = lower(@email)",
            new { email }, cancellationToken: cancellationToken));
        if (row is null)
        {
            Hasher.VerifyHashedPassword("decoy", DecoyHash.Value, password ?? string.Empty);
            log.Write("login", "failed", null, email, network, "no such account");
            return new SignInResult(null, null);
        }

        if (Hasher.VerifyHashedPassword(row.Email, row.Hash, password ?? string.Empty) == PasswordVerificationResult.Failed)
        {
            log.Write("login", "failed", row.Id, row.Email, network, "wrong password");
            return new SignInResult(null, null);
        }

        if (row.Disabled)
        {
            log.Write("login", "refused", row.Id, row.Email, network, "account disabled");
            return new SignInResult(null, null);
        }

        await throttle.PasswordSucceededAsync(email, network, cancellationToken);
        log.Write("login", "succeeded", row.Id, row.Email, network);
        return new SignInResult(row.User, null);
    }

    /// <summary>
    /// Changes the password after checking the current one (counted like a log-in) and ends every session of the
    /// account; the caller signs this browser in again.
    /// </summary>
    public async Task ChangePasswordAsync(long id, string currentPassword, string newPassword, string network, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Credentials>(new CommandDefinition(
            $"SELECT {CredentialColumns} FROM users WHERE id = @id",
            new { id }, cancellationToken: cancellationToken)) ?? throw new FieldValidationException("user", "This account no longer exists.");
        try
        {
            await throttle.CountPasswordAttemptAsync(row.Email, network, cancellationToken);
        }
        catch (ThrottledException e)
        {
            log.Write("password-change", "throttled", row.Id, row.Email, network, $"refused until {e.Until:u}");
            throw;
        }

        if (Hasher.VerifyHashedPassword(row.Email, row.Hash, currentPassword ?? string.Empty) == PasswordVerificationResult.Failed)
        {
            log.Write("password-change", "failed", row.Id, row.Email, network, "wrong current password");
            throw new FieldValidationException("current_password", "The current password is not right.");
        }

        await throttle.PasswordSucceededAsync(row.Email, network, cancellationToken);
        policy.Check(newPassword, row.Email, "new_password");
        await SetPasswordAsync(connection, null, row.Id, row.Email, newPassword, cancellationToken);
        log.Write("password-change", "succeeded", row.Id, row.Email, network);
    }

    /// <summary>
    /// A reset token for the account with this email (valid for an hour, once; every earlier one is voided), or null when
    /// there is none. Requests are counted per account and per network (<paramref name="network"/>; null for the
    /// operator's command line, which is not counted) and refused alike whether or not the account exists.
    /// </summary>
    public async Task<(User User, string Token)?> CreateResetTokenAsync(string email, string? network, CancellationToken cancellationToken)
    {
        email = (email ?? string.Empty).Trim();
        if (network is not null)
        {
            try
            {
                await throttle.CountResetRequestAsync(email, network, cancellationToken);
            }
            catch (ThrottledException e)
            {
                log.Write("reset-request", "throttled", null, email, network, $"refused until {e.Until:u}");
                throw;
            }
        }

        if (await FindByEmailAsync(email, cancellationToken) is not { } user)
        {
            log.Write("reset-request", "failed", null, email, network ?? "command line", "no such account");
            return null;
        }

        var token = Secrets.New();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await VoidResetTokensAsync(connection, transaction, user.Id, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES (@hash, @user, now() + @lifetime)",
            new { hash = Secrets.Hash(token), user = user.Id, lifetime = ResetTokenLifetime }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        log.Write("reset-request", "succeeded", user.Id, user.Email, network ?? "command line");
        return (user, token);
    }

    /// <summary>Sets a new password with a reset token (which is then used up), ends every session and lifts the throttle on the account.</summary>
    public async Task<User> ResetPasswordAsync(string token, string newPassword, string network, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var user = await connection.QuerySingleOrDefaultAsync<Owner>(new CommandDefinition(
            """
            SELECT u.id AS Id, u.email AS Email FROM password_resets r JOIN users u ON u.id = r.user_id
            WHERE r.token_hash = @hash AND r.used_at IS NULL AND r.expires_at > now() FOR UPDATE OF r
            """,
            new { hash = Secrets.Hash(token ?? string.Empty) }, transaction, cancellationToken: cancellationToken));
        if (user is null)
        {
            log.Write("reset", "failed", null, null, network, "unknown, used or expired token");
            throw new FieldValidationException("token", "This reset link is not valid: it was used already, has expired, or was mistyped. Ask for a new one.");
        }

        policy.Check(newPassword, user.Email, "new_password");
        await SetPasswordAsync(connection, transaction, user.Id, user.Email, newPassword, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await throttle.ForgetAccountAsync(user.Email, cancellationToken);
        log.Write("reset", "succeeded", user.Id, user.Email, network);
        return (await FindAsync(user.Id, cancellationToken))!;
    }

    /// <summary>How long a link that confirms an email address works.</summary>
    public static readonly TimeSpan VerificationTokenLifetime = TimeSpan.FromDays(1);

    /// <summary>Whether the account's email address is confirmed (needed to accept an invitation to a property).</summary>
    public async Task<bool> EmailVerifiedAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT coalesce((SELECT email_verified_at IS NOT NULL FROM users WHERE id = @userId), false)", new { userId }, cancellationToken: cancellationToken));
    }

    /// <summary>A token that confirms the account's current address (good for a day, once; earlier ones are voided).</summary>
    public async Task<(string Email, string Token)> CreateVerificationTokenAsync(long userId, CancellationToken cancellationToken)
    {
        var token = Secrets.New("ver_");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM email_verifications WHERE user_id = @userId", new { userId }, transaction, cancellationToken: cancellationToken));
        var email = await connection.QuerySingleAsync<string>(new CommandDefinition(
            """
            INSERT INTO email_verifications (token_hash, user_id, email, expires_at)
            SELECT @hash, id, email, now() + @lifetime FROM users WHERE id = @userId RETURNING email
            """,
            new { hash = Secrets.Hash(token), userId, lifetime = VerificationTokenLifetime }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return (email, token);
    }

    /// <summary>
    /// Confirms the address a token was made for, when it is still the account's and the token is the one for
    /// <paramref name="userId"/> (the signed-in account: a link opened in another account's browser confirms nothing).
    /// </summary>
    public async Task VerifyEmailAsync(long userId, string token, string network, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var email = await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            """
            DELETE FROM email_verifications v USING users u
            WHERE v.token_hash = @hash AND v.user_id = @userId AND u.id = v.user_id AND lower(u.email) = lower(v.email) AND v.expires_at > now()
            RETURNING v.email
            """, new { hash = Secrets.Hash(token ?? string.Empty), userId }, transaction, cancellationToken: cancellationToken));
        if (email is null)
        {
            log.Write("email-verify", "failed", userId, null, network, "unknown, used or expired token, or another account's");
            throw new FieldValidationException("token", "This confirmation link is not valid for this account: it was used already, has expired, or was sent to another account. Ask for a new one on your account page.");
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = @userId", new { userId }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        log.Write("email-verify", "succeeded", userId, email, network);
    }

    /// <summary>Disables or enables an account (the admin's call). A disabled account cannot log in; its sessions end and its API keys stop working.</summary>
    public async Task<User> SetDisabledAsync(string email, bool disabled, long? byUserId, string network, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var user = await connection.QuerySingleOrDefaultAsync<User>(new CommandDefinition(
            $"UPDATE users SET disabled_at = CASE WHEN @disabled THEN coalesce(disabled_at, now()) END WHERE lower(email) = lower(@email) RETURNING {Columns}",
            new { email = email.Trim(), disabled }, transaction, cancellationToken: cancellationToken))
            ?? throw new FieldValidationException("email", $"There is no user with the email '{email}'.");
        if (byUserId == user.Id && disabled)
        {
            throw new FieldValidationException("email", "You cannot disable your own account.");
        }

        if (disabled)
        {
            await SessionStore.EndAllAsync(connection, transaction, user.Id, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        log.Write(disabled ? "disable" : "enable", "succeeded", user.Id, user.Email, network, byUserId is { } by ? $"by user {by}" : "by the command line");
        return user;
    }

    private static async Task SetPasswordAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long id, string email, string password, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET password_hash = @hash WHERE id = @id",
            new { id, hash = Hasher.HashPassword(email, password) }, transaction, cancellationToken: cancellationToken));
        await VoidResetTokensAsync(connection, transaction, id, cancellationToken);
        await SessionStore.EndAllAsync(connection, transaction, id, cancellationToken);
    }

    private static Task<int> VoidResetTokensAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long userId, CancellationToken cancellationToken)
        => connection.ExecuteAsync(new CommandDefinition(
            "UPDATE password_resets SET used_at = now() WHERE user_id = @userId AND used_at IS NULL",
            new { userId }, transaction, cancellationToken: cancellationToken));

    private sealed record Credentials(long Id, string Email, bool IsAdmin, DateTime CreatedAt, string Hash, bool Disabled)
    {
        public User User => new(Id, Email, IsAdmin, CreatedAt);
    }

    private sealed record Owner(long Id, string Email);

    private sealed record UserRow(long Id, string Email, bool IsAdmin, DateTime CreatedAt, bool Disabled);
}

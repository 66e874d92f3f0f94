using Analytics.Hosting;
using System.Net.Mail;
using System.Security.Cryptography;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Analytics.Users;

/// <summary>The outcome of a log-in attempt. <see cref="LockedUntil"/> is set while the account is locked.</summary>
public sealed record SignInResult(User? User, DateTime? LockedUntil);

/// <summary>
/// Accounts in PostgreSQL. Passwords are stored as PBKDF2-HMAC-SHA512 hashes (600,000 iterations). After
/// <see cref="MaxFailedLogins"/> wrong passwords in a row an account is locked for <see cref="LockoutMinutes"/> minutes.
/// Reset tokens, like API keys, are random and kept only as their SHA-256.
/// </summary>
public sealed class UserStore(NpgsqlDataSource dataSource)
{
    public const int MinimumPasswordLength = 10;
    public const int MaxFailedLogins = 5;
    public const int LockoutMinutes = 15;
    public static readonly TimeSpan ResetTokenLifetime = TimeSpan.FromHours(1);

    private const string Columns = "id AS Id, email AS Email, is_admin AS IsAdmin, created_at AS CreatedAt";

    private static readonly PasswordHasher<string> Hasher = new(Options.Create(new PasswordHasherOptions
    {
        CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
        IterationCount = 600_000,
    }));

    /// <summary>Hashed once, verified against for unknown addresses so that a log-in takes as long whether or not the account exists.</summary>
    private static readonly Lazy<string> DecoyHash = new(() => Hasher.HashPassword("decoy", Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))));

    /// <summary>Adds a user; the first user of an instance becomes its admin.</summary>
    public async Task<User> AddAsync(string email, string password, CancellationToken cancellationToken)
    {
        var address = (email ?? string.Empty).Trim();
        if (!MailAddress.TryCreate(address, out var parsed) || parsed.Address != address)
        {
            throw new FieldValidationException("email", $"'{email}' is not an email address.");
        }

        CheckPassword(password, "password");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return await connection.QuerySingleAsync<User>(new CommandDefinition(
                $"""
                INSERT INTO users (email, password_hash, is_admin)
                VALUES (@address, @hash, NOT EXISTS (SELECT 1 FROM users))
                RETURNING {Columns}
                """,
                new { address, hash = Hasher.HashPassword(address, password) }, cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new FieldValidationException("email", $"A user with the email '{address}' already exists.");
        }
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

    /// <summary>
    /// A log-in: the user when the password matches and the account is not locked. A wrong password counts towards
    /// the lockout; a right one resets the count.
    /// </summary>
    public async Task<SignInResult> SignInAsync(string email, string password, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Credentials>(new CommandDefinition(
            "SELECT id AS Id, email AS Email, password_hash AS Hash, locked_until AS LockedUntil FROM users WHERE lower(email) = lower(@email)",
            new { email = (email ?? string.Empty).Trim() }, cancellationToken: cancellationToken));
        if (row is null)
        {
            Hasher.VerifyHashedPassword("decoy", DecoyHash.Value, password ?? string.Empty);
            return new SignInResult(null, null);
        }

        if (row.LockedUntil is { } until && until > DateTime.UtcNow)
        {
            return new SignInResult(null, until);
        }

        if (Hasher.VerifyHashedPassword(row.Email, row.Hash, password ?? string.Empty) == PasswordVerificationResult.Failed)
        {
            var locked = await connection.QuerySingleAsync<DateTime?>(new CommandDefinition(
                """
                UPDATE users SET failed_logins = failed_logins + 1,
                    locked_until = CASE WHEN failed_logins + 1 >= @max THEN now() + make_interval(mins => @minutes) ELSE locked_until END
                WHERE id = @id RETURNING CASE WHEN failed_logins >= @max THEN locked_until END
                """, new { id = row.Id, max = MaxFailedLogins, minutes = LockoutMinutes }, cancellationToken: cancellationToken));
            return new SignInResult(null, locked);
        }

        return new SignInResult(await connection.QuerySingleAsync<User>(new CommandDefinition(
            $"UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = @id RETURNING {Columns}",
            new { id = row.Id }, cancellationToken: cancellationToken)), null);
    }

    /// <summary>A value that changes with the password: a sign-in cookie carrying an older one is no longer valid.</summary>
    public async Task<Guid?> SecurityStampAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "SELECT security_stamp FROM users WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    public async Task ChangePasswordAsync(long id, string currentPassword, string newPassword, CancellationToken cancellationToken)
    {
        CheckPassword(newPassword, "new_password");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Credentials>(new CommandDefinition(
            "SELECT id AS Id, email AS Email, password_hash AS Hash, locked_until AS LockedUntil FROM users WHERE id = @id",
            new { id }, cancellationToken: cancellationToken)) ?? throw new FieldValidationException("user", "This account no longer exists.");
        if (Hasher.VerifyHashedPassword(row.Email, row.Hash, currentPassword ?? string.Empty) == PasswordVerificationResult.Failed)
        {
            throw new FieldValidationException("current_password", "The current password is not right.");
        }

        await SetPasswordAsync(connection, null, row.Id, row.Email, newPassword, cancellationToken);
    }

    /// <summary>A reset token for the account with this email (valid for an hour, once), or null when there is none.</summary>
    public async Task<(User User, string Token)?> CreateResetTokenAsync(string email, CancellationToken cancellationToken)
    {
        if (await FindByEmailAsync(email ?? string.Empty, cancellationToken) is not { } user)
        {
            return null;
        }

        var token = Secrets.New();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES (@hash, @user, now() + @lifetime)",
            new { hash = Secrets.Hash(token), user = user.Id, lifetime = ResetTokenLifetime }, cancellationToken: cancellationToken));
        return (user, token);
    }

    /// <summary>Sets a new password with a reset token (which is then used up) and lifts a lockout.</summary>
    public async Task<User> ResetPasswordAsync(string token, string newPassword, CancellationToken cancellationToken)
    {
        CheckPassword(newPassword, "new_password");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var userId = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
            "UPDATE password_resets SET used_at = now() WHERE token_hash = @hash AND used_at IS NULL AND expires_at > now() RETURNING user_id",
            new { hash = Secrets.Hash(token ?? string.Empty) }, transaction, cancellationToken: cancellationToken))
            ?? throw new FieldValidationException("token", "This reset link is not valid: it was used already, has expired, or was mistyped. Ask for a new one.");
        var email = await connection.QuerySingleAsync<string>(new CommandDefinition(
            "SELECT email FROM users WHERE id = @userId", new { userId }, transaction, cancellationToken: cancellationToken));
        await SetPasswordAsync(connection, transaction, userId, email, newPassword, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (await FindAsync(userId, cancellationToken))!;
    }

    private static async Task SetPasswordAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long id, string email, string password, CancellationToken cancellationToken)
        => await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE users SET password_hash = @hash, security_stamp = gen_random_uuid(), failed_logins = 0, locked_until = NULL
            WHERE id = @id
            """, new { id, hash = Hasher.HashPassword(email, password) }, transaction, cancellationToken: cancellationToken));

    private static void CheckPassword(string? password, string field)
    {
        if ((password ?? string.Empty).Length < MinimumPasswordLength)
        {
            throw new FieldValidationException(field, $"The password must have at least {MinimumPasswordLength} characters.");
        }
    }

    private sealed record Credentials(long Id, string Email, string Hash, DateTime? LockedUntil);
}

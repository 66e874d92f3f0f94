using Analytics.Hosting;
using System.Net.Mail;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Analytics.Users;

/// <summary>Accounts in PostgreSQL. Passwords are stored as PBKDF2-HMAC-SHA512 hashes (600,000 iterations).</summary>
public sealed class UserStore(NpgsqlDataSource dataSource)
{
    public const int MinimumPasswordLength = 10;

    private static readonly PasswordHasher<string> Hasher = new(Options.Create(new PasswordHasherOptions
    {
        CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
        IterationCount = 600_000,
    }));

    /// <summary>Adds a user; the first user of an instance becomes its admin.</summary>
    public async Task<User> AddAsync(string email, string password, CancellationToken cancellationToken)
    {
        var address = (email ?? string.Empty).Trim();
        if (!MailAddress.TryCreate(address, out var parsed) || parsed.Address != address)
        {
            throw new FieldValidationException("email", $"'{email}' is not an email address.");
        }

        if ((password ?? string.Empty).Length < MinimumPasswordLength)
        {
            throw new FieldValidationException("password", $"The password must have at least {MinimumPasswordLength} characters.");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return await connection.QuerySingleAsync<User>(new CommandDefinition(
                """
                INSERT INTO users (email, password_hash, is_admin)
                VALUES (@address, @hash, NOT EXISTS (SELECT 1 FROM users))
                RETURNING id AS Id, email AS Email, is_admin AS IsAdmin, created_at AS CreatedAt
                """,
                new { address, hash = Hasher.HashPassword(address, password!) }, cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new FieldValidationException("email", $"A user with the email '{address}' already exists.");
        }
    }

    public async Task<User?> FindByEmailAsync(string email, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<User>(new CommandDefinition(
            "SELECT id AS Id, email AS Email, is_admin AS IsAdmin, created_at AS CreatedAt FROM users WHERE lower(email) = lower(@email)",
            new { email = email.Trim() }, cancellationToken: cancellationToken));
    }

    /// <summary>The user when the password matches, otherwise null.</summary>
    public async Task<User?> VerifyAsync(string email, string password, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(long Id, string Email, string Hash)>(new CommandDefinition(
            "SELECT id, email, password_hash FROM users WHERE lower(email) = lower(@email)",
            new { email = email.Trim() }, cancellationToken: cancellationToken));
        if (row.Hash is null || Hasher.VerifyHashedPassword(row.Email, row.Hash, password) == PasswordVerificationResult.Failed)
        {
            return null;
        }

        return await FindByEmailAsync(row.Email, cancellationToken);
    }
}

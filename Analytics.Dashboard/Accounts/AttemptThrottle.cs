using Analytics.Storage;
using Dapper;
using Npgsql;

namespace Analytics.Dashboard.Accounts;

/// <summary>
/// Counts attempts at secrets (passwords, reset requests) in PostgreSQL, so that every replica and every concurrent
/// request share one count (ASVS 5.0 V6.3.1). Each attempt is counted before the secret is checked, in one atomic
/// statement per key, so twenty concurrent guesses get no more checks than twenty sequential ones. Keys are checked in
/// order and counting stops at the first refusal, so a guesser who is already refused does not add to the wider counts:
/// one address cannot lock an account for everyone. An account's key is its lowercased email whether or not the account
/// exists, so the answers are the same either way.
/// </summary>
public sealed class AttemptThrottle(NpgsqlDataSource dataSource)
{
    /// <summary>How long a count runs, and how long a key stays refused once over its limit.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    /// <summary>Wrong passwords for one account from one network: the classic lockout, without locking out the owner elsewhere.</summary>
    public const int PerAccountAndNetwork = 5;

    /// <summary>Wrong passwords from one network across all accounts (password spraying).</summary>
    public const int PerNetwork = 20;

    /// <summary>Wrong passwords for one account from all networks together (a distributed guess).</summary>
    public const int PerAccount = 100;

    /// <summary>Reset links asked for one account, and from one network.</summary>
    public const int ResetsPerAccount = 3;

    public const int ResetsPerNetwork = 10;

    /// <summary>Counts one password attempt for the account from the network; throws <see cref="ThrottledException"/> when refused.</summary>
    public Task CountPasswordAttemptAsync(string email, string network, CancellationToken cancellationToken)
        => CountAsync(
            [($"password:{Account(email)}|{network}", PerAccountAndNetwork), ($"password:network|{network}", PerNetwork), ($"password:{Account(email)}", PerAccount)],
            cancellationToken);

    /// <summary>After a right password: the account's counts start again, and the network's count forgets this attempt.</summary>
    public async Task PasswordSucceededAsync(string email, string network, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM auth_throttle WHERE key IN (@pair, @account);
            UPDATE auth_throttle SET failures = greatest(failures - 1, 0) WHERE key = @network AND locked_until IS NULL;
            """,
            new { pair = $"password:{Account(email)}|{network}", account = $"password:{Account(email)}", network = $"password:network|{network}" },
            cancellationToken: cancellationToken));
    }

    /// <summary>After a password reset: whatever was counted against the account is forgotten, so its owner can log in.</summary>
    public async Task ForgetAccountAsync(string email, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM auth_throttle WHERE key = @account OR key LIKE @pairs ESCAPE '\\'",
            new { account = $"password:{Account(email)}", pairs = $"password:{SqlLike.Escape(Account(email))}|%" }, cancellationToken: cancellationToken));
    }

    /// <summary>Counts one reset request; throws <see cref="ThrottledException"/> when refused.</summary>
    public Task CountResetRequestAsync(string email, string network, CancellationToken cancellationToken)
        => CountAsync([($"reset:network|{network}", ResetsPerNetwork), ($"reset:{Account(email)}", ResetsPerAccount)], cancellationToken);

    /// <summary>Counts one password tried on a shared link, from a network and over all; throws <see cref="ThrottledException"/> when refused.</summary>
    public Task CountSharePasswordAttemptAsync(long linkId, string network, CancellationToken cancellationToken)
        => CountAsync([($"share:{linkId}|{network}", PerAccountAndNetwork), ($"share:network|{network}", PerNetwork), ($"share:{linkId}", PerAccount)], cancellationToken);

    /// <summary>Counts one second-factor code tried for the account (from a network, and over all); throws <see cref="ThrottledException"/> when refused.</summary>
    public Task CountSecondFactorAttemptAsync(long userId, string network, CancellationToken cancellationToken)
        => CountAsync([($"totp:{userId}|{network}", PerAccountAndNetwork), ($"totp:{userId}", PerAccountAndNetwork * 2)], cancellationToken);

    /// <summary>After a right code: the account's code counts start again.</summary>
    public async Task SecondFactorSucceededAsync(long userId, string network, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM auth_throttle WHERE key IN (@pair, @account)",
            new { pair = $"totp:{userId}|{network}", account = $"totp:{userId}" }, cancellationToken: cancellationToken));
    }

    private async Task CountAsync((string Key, int Limit)[] keys, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        foreach (var (key, limit) in keys)
        {
            var lockedUntil = await connection.QuerySingleAsync<DateTime?>(new CommandDefinition(
                """
                INSERT INTO auth_throttle AS t (key, failures, window_started_at) VALUES (@key, 1, now())
                ON CONFLICT (key) DO UPDATE SET
                    failures = CASE WHEN t.locked_until > now() THEN t.failures
                                    WHEN t.window_started_at <= now() - @window THEN 1 ELSE t.failures + 1 END,
                    window_started_at = CASE WHEN t.locked_until > now() THEN t.window_started_at
                                             WHEN t.window_started_at <= now() - @window THEN now() ELSE t.window_started_at END,
                    locked_until = CASE WHEN t.locked_until > now() THEN t.locked_until
                                        WHEN t.window_started_at > now() - @window AND t.failures + 1 > @limit THEN now() + @window END
                RETURNING CASE WHEN locked_until > now() THEN locked_until END
                """,
                new { key, limit, window = Window }, cancellationToken: cancellationToken));
            if (lockedUntil is { } until)
            {
                throw new ThrottledException(DateTime.SpecifyKind(until, DateTimeKind.Utc));
            }
        }
    }

    private static string Account(string email) => email.Trim().ToLowerInvariant();
}

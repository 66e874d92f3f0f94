using Analytics.Storage.Hosting;
using Dapper;
using Npgsql;
using Analytics.ServiceDefaults;

namespace Analytics.Dashboard.Accounts;

/// <summary>One signed-in browser, as the account page lists it.</summary>
internal sealed record UserSession(long Id, DateTime CreatedAt, DateTime LastSeenAt, DateTime ExpiresAt, string UserAgent, string Network);

/// <summary>
/// Sign-in sessions kept in PostgreSQL (ASVS 5.0 V7). The cookie carries a random token; only its SHA-256 is kept. A
/// session ends when its user logs out or ends it on the account page, when the password changes or is reset, when an
/// admin disables the account, after <see cref="SessionLimits.Lifetime"/> in all, and after
/// <see cref="SessionLimits.IdleTimeout"/> without a request.
/// </summary>
internal sealed class SessionStore(NpgsqlDataSource dataSource)
{
    /// <summary>How often a session's last-seen time is written: at most once a minute per session.</summary>
    private static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);

    /// <summary>Starts a session and returns its token (for the cookie) and when it ends at the latest.</summary>
    public async Task<(string Token, DateTime ExpiresAt)> StartAsync(long userId, string userAgent, string network, SessionLimits limits, CancellationToken cancellationToken)
    {
        var token = Secrets.New();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var expires = await connection.QuerySingleAsync<DateTime>(new CommandDefinition(
            """
            INSERT INTO user_sessions (token_hash, user_id, expires_at, user_agent, network)
            VALUES (@hash, @userId, now() + @lifetime, @userAgent, @network) RETURNING expires_at
            """,
            new { hash = Secrets.Hash(token), userId, lifetime = limits.Lifetime, userAgent = userAgent.Length > 300 ? userAgent[..300] : userAgent, network },
            cancellationToken: cancellationToken));
        return (token, DateTime.SpecifyKind(expires, DateTimeKind.Utc));
    }

    /// <summary>The session's user when the session is live and the account enabled (and notes the request); else null.</summary>
    public async Task<(long SessionId, User User)?> ValidateAsync(string token, SessionLimits limits, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<LiveSession>(new CommandDefinition(
            """
            SELECT s.id AS SessionId, s.last_seen_at AS LastSeenAt, u.id AS Id, u.email AS Email, u.is_admin AS IsAdmin, u.created_at AS CreatedAt
            FROM user_sessions s JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = @hash AND s.ended_at IS NULL AND s.expires_at > now() AND s.last_seen_at > now() - @idle AND u.disabled_at IS NULL
            """,
            new { hash = Secrets.Hash(token), idle = limits.IdleTimeout }, cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }

        if (DateTime.SpecifyKind(row.LastSeenAt, DateTimeKind.Utc) < DateTime.UtcNow - TouchEvery)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE user_sessions SET last_seen_at = now() WHERE id = @id", new { id = row.SessionId }, cancellationToken: cancellationToken));
        }

        return (row.SessionId, new User(row.Id, row.Email, row.IsAdmin, row.CreatedAt));
    }

    /// <summary>The user's live sessions, the most recently used first.</summary>
    public async Task<IReadOnlyList<UserSession>> ListAsync(long userId, SessionLimits limits, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<UserSession>(new CommandDefinition(
            """
            SELECT id AS Id, created_at AS CreatedAt, last_seen_at AS LastSeenAt, expires_at AS ExpiresAt, user_agent AS UserAgent, network AS Network
            FROM user_sessions WHERE user_id = @userId AND ended_at IS NULL AND expires_at > now() AND last_seen_at > now() - @idle
            ORDER BY last_seen_at DESC, id DESC
            """,
            new { userId, idle = limits.IdleTimeout }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Ends the session with this token (log out). False when there was no live one.</summary>
    public async Task<bool> EndAsync(string token, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE user_sessions SET ended_at = now() WHERE token_hash = @hash AND ended_at IS NULL",
            new { hash = Secrets.Hash(token) }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>Ends one of the user's own sessions. False when it is not theirs or already ended.</summary>
    public async Task<bool> EndAsync(long userId, long sessionId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE user_sessions SET ended_at = now() WHERE id = @sessionId AND user_id = @userId AND ended_at IS NULL",
            new { userId, sessionId }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>Ends every session of the user; returns how many were live.</summary>
    public static async Task<int> EndAllAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long userId, CancellationToken cancellationToken)
        => await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE user_sessions SET ended_at = now() WHERE user_id = @userId AND ended_at IS NULL",
            new { userId }, transaction, cancellationToken: cancellationToken));

    private sealed record LiveSession(long SessionId, DateTime LastSeenAt, long Id, string Email, bool IsAdmin, DateTime CreatedAt);
}

/// <summary>How long a sign-in lasts: <see cref="Lifetime"/> at most, and <see cref="IdleTimeout"/> without a request.</summary>
internal sealed record SessionLimits(TimeSpan Lifetime, TimeSpan IdleTimeout)
{
    public static readonly SessionLimits Default = new(TimeSpan.FromDays(14), TimeSpan.FromHours(24));
}

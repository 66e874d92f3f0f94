using Analytics.Hosting;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;

namespace Analytics.ApiKeys;

/// <summary>
/// API keys: 32 random bytes shown once as <c>ak_&lt;base64url&gt;</c>; PostgreSQL keeps only their SHA-256 (a
/// fast hash is right here: the key is random and long, unlike a password) and a short prefix to recognise it by.
/// </summary>
public sealed class ApiKeyStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id AS Id, user_id AS UserId, name AS Name, prefix AS Prefix, created_at AS CreatedAt, last_used_at AS LastUsedAt, revoked_at AS RevokedAt";

    /// <summary>Creates a key and returns it with its plaintext, which is never stored.</summary>
    public async Task<(ApiKey Key, string Secret)> CreateAsync(string name, long? userId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            throw new FieldValidationException("name", "An API key needs a name of 1 to 100 characters.");
        }

        var secret = "ak_" + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var key = await connection.QuerySingleAsync<ApiKey>(new CommandDefinition(
            $"INSERT INTO api_keys (user_id, name, prefix, key_hash) VALUES (@userId, @name, @prefix, @hash) RETURNING {Columns}",
            new { userId, name = name.Trim(), prefix = secret[..10], hash = Hash(secret) }, cancellationToken: cancellationToken));
        return (key, secret);
    }

    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<ApiKey>(new CommandDefinition(
            $"SELECT {Columns} FROM api_keys ORDER BY id", cancellationToken: cancellationToken))).AsList();
    }

    public async Task<bool> RevokeAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE api_keys SET revoked_at = now() WHERE id = @id AND revoked_at IS NULL", new { id }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>The live key matching a presented secret (and marks it used), or null.</summary>
    public async Task<ApiKey?> AuthenticateAsync(string secret, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ApiKey>(new CommandDefinition(
            $"UPDATE api_keys SET last_used_at = now() WHERE key_hash = @hash AND revoked_at IS NULL RETURNING {Columns}",
            new { hash = Hash(secret) }, cancellationToken: cancellationToken));
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;
using Dapper;
using Npgsql;

namespace Analytics.Storage.ApiKeys;

/// <summary>
/// API keys: 32 random bytes shown once as <c>ak_&lt;base64url&gt;</c>; PostgreSQL keeps only their SHA-256
/// (<see cref="Secrets"/>) and a short prefix to recognise it by.
/// </summary>
public sealed class ApiKeyStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id AS Id, user_id AS UserId, name AS Name, prefix AS Prefix, created_at AS CreatedAt, last_used_at AS LastUsedAt, revoked_at AS RevokedAt, all_properties AS AllProperties, array_to_string(scopes, ',') AS Scopes";

    /// <summary>
    /// Creates a key for the properties <paramref name="propertyIds"/> (null: every property its owner may read) that
    /// may do what <paramref name="scopes"/> name (null: read statistics), and returns it with its plaintext, which is
    /// never stored.
    /// </summary>
    public async Task<(ApiKey Key, string Secret)> CreateAsync(string name, long? userId, IReadOnlyCollection<long>? propertyIds, CancellationToken cancellationToken, IReadOnlyCollection<string>? scopes = null)
    {
        scopes ??= [ApiKey.StatsRead];
        if (scopes.Count == 0)
        {
            throw new FieldValidationException("scopes", $"a key needs at least one scope: {string.Join(" or ", ApiKey.AllScopes)}.");
        }

        if (scopes.FirstOrDefault(s => !ApiKey.AllScopes.Contains(s)) is { } unknown)
        {
            throw new FieldValidationException("scopes", $"'{unknown}' is not a scope; use {string.Join(" or ", ApiKey.AllScopes)}.");
        }

        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            throw new FieldValidationException("name", "An API key needs a name of 1 to 100 characters.");
        }

        if (propertyIds is { Count: 0 })
        {
            throw new FieldValidationException("properties", "A key needs at least one property, or all of them.");
        }

        var secret = Secrets.New("ak_");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var key = await connection.QuerySingleAsync<ApiKey>(new CommandDefinition(
            $"INSERT INTO api_keys (user_id, name, prefix, key_hash, all_properties, scopes) VALUES (@userId, @name, @prefix, @hash, @all, @scopes) RETURNING {Columns}",
            new { userId, name = name.Trim(), prefix = secret[..10], hash = Secrets.Hash(secret), all = propertyIds is null, scopes = ApiKey.AllScopes.Where(scopes.Contains).ToArray() }, transaction, cancellationToken: cancellationToken));
        if (propertyIds is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO api_key_properties (key_id, property_id) SELECT @key, unnest(@propertyIds)",
                new { key = key.Id, propertyIds = propertyIds.Distinct().ToArray() }, transaction, cancellationToken: cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
        return (key, secret);
    }

    /// <summary>
    /// The properties a key may read: in its scope and, for a user's key, still readable by that user. Anything else
    /// is invisible to it, whether or not it exists.
    /// </summary>
    public async Task<IReadOnlyList<Property>> ReadablePropertiesAsync(ApiKey key, CancellationToken cancellationToken)
        => await ReadableAsync(key, "TRUE", new { }, cancellationToken);

    /// <summary>The property with this id if the key may read it, else null.</summary>
    public async Task<Property?> FindReadableAsync(ApiKey key, long propertyId, CancellationToken cancellationToken)
        => (await ReadableAsync(key, "p.id = @propertyId", new { propertyId }, cancellationToken)).SingleOrDefault();

    /// <summary>The property with this domain if the key may read it, else null.</summary>
    public async Task<Property?> FindReadableAsync(ApiKey key, string domain, CancellationToken cancellationToken)
        => PropertyValidation.CouldBeDomain(domain)
            ? (await ReadableAsync(key, "lower(p.domain) = lower(@domain)", new { domain = domain.Trim() }, cancellationToken)).SingleOrDefault()
            : null;

    private async Task<IReadOnlyList<Property>> ReadableAsync(ApiKey key, string condition, object parameters, CancellationToken cancellationToken)
    {
        var arguments = new DynamicParameters(parameters);
        arguments.Add("key", key.Id);
        arguments.Add("user", key.UserId);
        arguments.Add("all", key.AllProperties);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<Property>(new CommandDefinition(
            $"""
            SELECT {PropertyStore.Columns}
            FROM properties p
            WHERE {condition}
              AND (@all OR EXISTS (SELECT 1 FROM api_key_properties k WHERE k.key_id = @key AND k.property_id = p.id))
              AND (@user::bigint IS NULL OR {PropertyStore.ReadableByUser})
            ORDER BY p.domain
            """, arguments, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Every key (<paramref name="userId"/> null), or one user's keys.</summary>
    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken, long? userId = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<ApiKey>(new CommandDefinition(
            $"SELECT {Columns} FROM api_keys WHERE @userId::bigint IS NULL OR user_id = @userId ORDER BY id", new { userId }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Revokes a key (<paramref name="userId"/> set: only if it is that user's); false when there is no such live key.</summary>
    public async Task<bool> RevokeAsync(long id, CancellationToken cancellationToken, long? userId = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE api_keys SET revoked_at = now() WHERE id = @id AND revoked_at IS NULL AND (@userId::bigint IS NULL OR user_id = @userId)",
            new { id, userId }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>The live key matching a presented secret (and marks it used), or null.</summary>
    public async Task<ApiKey?> AuthenticateAsync(string secret, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ApiKey>(new CommandDefinition(
            $"""
            UPDATE api_keys SET last_used_at = now() WHERE key_hash = @hash AND revoked_at IS NULL
                AND NOT EXISTS (SELECT 1 FROM users WHERE users.id = api_keys.user_id AND users.disabled_at IS NOT NULL)
            RETURNING {Columns}
            """,
            new { hash = Secrets.Hash(secret) }, cancellationToken: cancellationToken));
    }

}

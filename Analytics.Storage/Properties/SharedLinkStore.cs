using System.Security.Cryptography;
using Analytics.Storage.Hosting;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace Analytics.Storage.Properties;

/// <summary>
/// A shared link: <c>/share/{domain}?auth={Token}</c> opens the property's dashboard read-only to anyone holding it
/// (after its password, when it has one); <see cref="Embeddable"/> lets other sites' pages frame it.
/// </summary>
public sealed record SharedLink(long Id, long PropertyId, string Name, string Token, bool HasPassword, bool Embeddable, DateTime CreatedAt)
{
    /// <summary>The link's address on this server, relative to its root.</summary>
    public string Path(string domain) => $"/share/{Uri.EscapeDataString(domain)}?auth={Uri.EscapeDataString(Token)}";
}

/// <summary>Shared links in PostgreSQL (a public property, open at <c>/share/{domain}</c> without one, is <see cref="Property.IsPublic"/>).</summary>
public sealed class SharedLinkStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id AS Id, property_id AS PropertyId, name AS Name, token AS Token, password_hash IS NOT NULL AS HasPassword, embeddable AS Embeddable, created_at AS CreatedAt";

    /// <summary>What the hasher is told the password belongs to (it does not use it).</summary>
    private const string HashUser = "shared-link";

    /// <summary>The most links a property can have.</summary>
    public const int MaxLinks = 100;

    /// <summary>
    /// Adds a link named <paramref name="name"/> (unique in its property), with a password or none, embeddable or not
    /// (not both: a password box cannot be filled inside another site's page).
    /// </summary>
    public async Task<SharedLink> AddAsync(long propertyId, string name, string? password, bool embeddable, CancellationToken cancellationToken)
    {
        var trimmed = (name ?? string.Empty).Trim();
        if (trimmed.Length is 0 or > 120 || trimmed.Any(char.IsControl))
        {
            throw new FieldValidationException("name", "a shared link needs a name of 1 to 120 characters (e.g. the site or person it is for).");
        }

        if (password is { Length: > 0 and < 8 } or { Length: > 200 })
        {
            throw new FieldValidationException("password", "a shared link's password has 8 to 200 characters (or none).");
        }

        var secret = string.IsNullOrEmpty(password) ? null : password;
        if (secret is not null && embeddable)
        {
            throw new FieldValidationException("embeddable", "an embedded dashboard cannot ask for a password: make the link embeddable or give it a password, not both.");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM shared_links WHERE property_id = @propertyId", new { propertyId }, cancellationToken: cancellationToken)) >= MaxLinks)
        {
            throw new FieldValidationException("name", $"a property has at most {MaxLinks} shared links; delete one first.");
        }

        try
        {
            return await connection.QuerySingleAsync<SharedLink>(new CommandDefinition(
                $"""
                INSERT INTO shared_links (property_id, name, token, password_hash, embeddable) VALUES (@propertyId, @name, @token, @hash, @embeddable)
                RETURNING {Columns}
                """,
                new
                {
                    propertyId,
                    name = trimmed,
                    token = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)),
                    hash = secret is null ? null : PasswordHashing.Hasher.HashPassword(HashUser, secret),
                    embeddable,
                },
                cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new FieldValidationException("name", $"this property already has a shared link named '{trimmed}'.");
        }
    }

    /// <summary>The link of this name, or a new one without password (Plausible's Sites API: find or create).</summary>
    public async Task<SharedLink> FindOrAddAsync(long propertyId, string name, CancellationToken cancellationToken)
        => (await ListAsync(propertyId, cancellationToken)).FirstOrDefault(l => l.Name == (name ?? string.Empty).Trim())
            ?? await AddAsync(propertyId, name!, null, false, cancellationToken);

    public async Task<IReadOnlyList<SharedLink>> ListAsync(long propertyId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<SharedLink>(new CommandDefinition(
            $"SELECT {Columns} FROM shared_links WHERE property_id = @propertyId ORDER BY created_at, id", new { propertyId }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Revokes a link: its address opens nothing from now on.</summary>
    public async Task<bool> DeleteAsync(long propertyId, long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM shared_links WHERE property_id = @propertyId AND id = @id", new { propertyId, id }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>The property this token opens, with its link; null when the token is unknown or revoked, or names another property.</summary>
    public async Task<(Property Property, SharedLink Link)?> OpenAsync(string domain, string? token, CancellationToken cancellationToken)
    {
        if (token is not { Length: > 0 and <= 64 } || !token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') || !PropertyValidation.CouldBeDomain(domain))
        {
            return null;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var link = await connection.QuerySingleOrDefaultAsync<SharedLink>(new CommandDefinition(
            $"SELECT {Columns} FROM shared_links WHERE token = @token", new { token }, cancellationToken: cancellationToken));
        var property = link is null ? null : await connection.QuerySingleOrDefaultAsync<Property>(new CommandDefinition(
            $"SELECT {PropertyStore.Columns} FROM properties WHERE id = @id AND lower(domain) = lower(@domain)",
            new { id = link.PropertyId, domain = domain.Trim() }, cancellationToken: cancellationToken));
        return property is null ? null : (property, link!);
    }

    /// <summary>Whether <paramref name="password"/> is the link's (a link without one needs none).</summary>
    public async Task<bool> CheckPasswordAsync(SharedLink link, string? password, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var hash = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT password_hash FROM shared_links WHERE id = @id", new { id = link.Id }, cancellationToken: cancellationToken));
        return hash is null || PasswordHashing.Hasher.VerifyHashedPassword(HashUser, hash, password ?? string.Empty) != PasswordVerificationResult.Failed;
    }
}

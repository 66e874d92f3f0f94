using Analytics.Storage.Hosting;
using Dapper;
using Npgsql;

namespace Analytics.Storage.Properties;

/// <summary>
/// A saved segment: a named filter list (<see cref="Filters"/>, the Stats API's JSON) of a property, personal to the
/// user who saved it (<see cref="UserId"/>) or <see cref="Shared"/> with everyone who reads the property.
/// </summary>
public sealed record Segment(long Id, long PropertyId, long? UserId, string Name, string Filters, bool Shared, DateTime CreatedAt);

/// <summary>Saved segments in PostgreSQL. The filters are checked by the caller (the report layer parses them).</summary>
public sealed class SegmentStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id AS Id, property_id AS PropertyId, user_id AS UserId, name AS Name, filters AS Filters, shared AS Shared, created_at AS CreatedAt";

    /// <summary>The most segments a property can have, all users together.</summary>
    public const int MaxSegments = 500;

    /// <summary>Saves a segment; <paramref name="userId"/> is who saves it (null: the command line or an instance key, which save shared ones only).</summary>
    public async Task<Segment> AddAsync(long propertyId, long? userId, string name, string filters, bool shared, CancellationToken cancellationToken)
    {
        var trimmed = (name ?? string.Empty).Trim();
        if (trimmed.Length is 0 or > 120 || trimmed.Any(char.IsControl))
        {
            throw new FieldValidationException("name", "a segment needs a name of 1 to 120 characters.");
        }

        if (!shared && userId is null)
        {
            throw new FieldValidationException("type", "a personal segment belongs to a user; save it signed in, or make it shared.");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM segments WHERE property_id = @propertyId", new { propertyId }, cancellationToken: cancellationToken)) >= MaxSegments)
        {
            throw new FieldValidationException("name", $"a property has at most {MaxSegments} segments; delete one first.");
        }

        return await connection.QuerySingleAsync<Segment>(new CommandDefinition(
            $"INSERT INTO segments (property_id, user_id, name, filters, shared) VALUES (@propertyId, @userId, @name, @filters, @shared) RETURNING {Columns}",
            new { propertyId, userId, name = trimmed, filters, shared }, cancellationToken: cancellationToken));
    }

    /// <summary>The segments <paramref name="userId"/> sees on the property: the shared ones and their own (null: the shared ones only), by name.</summary>
    public async Task<IReadOnlyList<Segment>> ListAsync(long propertyId, long? userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<Segment>(new CommandDefinition(
            $"SELECT {Columns} FROM segments WHERE property_id = @propertyId AND (shared OR user_id = @userId) ORDER BY lower(name), id",
            new { propertyId, userId }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Deletes a segment the user sees (a personal one only its owner sees).</summary>
    public async Task<bool> DeleteAsync(long propertyId, long? userId, long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM segments WHERE property_id = @propertyId AND id = @id AND (shared OR user_id = @userId)",
            new { propertyId, userId, id }, cancellationToken: cancellationToken)) > 0;
    }
}

using Dapper;
using Npgsql;

namespace Analytics.Storage.Imports;

/// <summary>One import of another tool's history into a property (<see cref="State"/>: importing or done).</summary>
public sealed record Import(long Id, long PropertyId, string Source, string Label, string ContentHash, DateOnly? FirstDay, DateOnly? LastDay, long RowCount, string State, DateTime CreatedAt);

/// <summary>Imports in PostgreSQL; their rows are in ClickHouse's imported_* tables under the import's id.</summary>
public sealed class ImportStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id AS Id, property_id AS PropertyId, source AS Source, label AS Label, content_hash AS ContentHash, first_day AS FirstDay, last_day AS LastDay, " +
        "row_count AS RowCount, state AS State, created_at AS CreatedAt";

    /// <summary>The import of this content, made now or found (importing the same files twice is one import).</summary>
    public async Task<(Import Import, bool Created)> BeginAsync(long propertyId, string source, string label, string contentHash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var created = await connection.QuerySingleOrDefaultAsync<Import>(new CommandDefinition(
            $"""
            INSERT INTO imports (property_id, source, label, content_hash) VALUES (@propertyId, @source, @label, @contentHash)
            ON CONFLICT (property_id, source, content_hash) DO NOTHING RETURNING {Columns}
            """, new { propertyId, source, label, contentHash }, cancellationToken: cancellationToken));
        return created is not null
            ? (created, true)
            : (await connection.QuerySingleAsync<Import>(new CommandDefinition(
                $"SELECT {Columns} FROM imports WHERE property_id = @propertyId AND source = @source AND content_hash = @contentHash",
                new { propertyId, source, contentHash }, cancellationToken: cancellationToken)), false);
    }

    public async Task<Import> FinishAsync(long id, DateOnly? firstDay, DateOnly? lastDay, long rows, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<Import>(new CommandDefinition(
            $"UPDATE imports SET state = 'done', first_day = @first::date, last_day = @last::date, row_count = @rows WHERE id = @id RETURNING {Columns}",
            new { id, first = firstDay?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), last = lastDay?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), rows }, cancellationToken: cancellationToken));
    }

    /// <summary>A property's imports, newest first.</summary>
    public async Task<IReadOnlyList<Import>> ListAsync(long propertyId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<Import>(new CommandDefinition(
            $"SELECT {Columns} FROM imports WHERE property_id = @propertyId ORDER BY id DESC", new { propertyId }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>Whether the property has finished imports (reports read imported tables only then).</summary>
    public async Task<bool> AnyAsync(long propertyId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM imports WHERE property_id = @propertyId AND state = 'done')", new { propertyId }, cancellationToken: cancellationToken));
    }

    public async Task<bool> DeleteAsync(long propertyId, long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM imports WHERE property_id = @propertyId AND id = @id", new { propertyId, id }, cancellationToken: cancellationToken)) > 0;
    }
}

using Dapper;
using Npgsql;

namespace Analytics.Storage.Properties;

/// <summary>Events of one property on one UTC day not kept for one reason: how many, the last one's time, and its detail (a hostname).</summary>
public sealed record DropTally(long PropertyId, string Reason, DateTime Day, long Count, DateTime LastAt, string? LastDetail);

/// <summary>A reason's events over recent days, as the installation check shows it.</summary>
public sealed record DropCount(string Reason, long Count, DateTime LastAt, string? LastDetail);

/// <summary>
/// Per-property drop counters in PostgreSQL (<c>property_drops</c>), so the installation check, in whichever process
/// serves the dashboard, can say why a property's events were not kept.
/// </summary>
public sealed class PropertyDrops(NpgsqlDataSource dataSource)
{
    /// <summary>How many days of counts are kept.</summary>
    public const int KeptDays = 30;

    /// <summary>Adds the tallies to the counts.</summary>
    public async Task AddAsync(IReadOnlyCollection<DropTally> tallies, CancellationToken cancellationToken)
    {
        if (tallies.Count == 0)
        {
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO property_drops AS d (property_id, reason, day, count, last_at, last_detail)
            SELECT t.property_id, t.reason, t.day, t.count, t.last_at, t.last_detail
            FROM unnest(@properties, @reasons, @days, @counts, @lasts, @details) AS t(property_id, reason, day, count, last_at, last_detail)
            WHERE EXISTS (SELECT 1 FROM properties p WHERE p.id = t.property_id)
            ON CONFLICT (property_id, reason, day) DO UPDATE SET
                count = d.count + excluded.count,
                last_at = greatest(d.last_at, excluded.last_at),
                last_detail = CASE WHEN excluded.last_at >= d.last_at THEN coalesce(excluded.last_detail, d.last_detail) ELSE d.last_detail END
            """,
            new
            {
                properties = tallies.Select(t => t.PropertyId).ToArray(),
                reasons = tallies.Select(t => t.Reason).ToArray(),
                days = tallies.Select(t => DateOnly.FromDateTime(t.Day)).ToArray(),
                counts = tallies.Select(t => t.Count).ToArray(),
                lasts = tallies.Select(t => DateTime.SpecifyKind(t.LastAt, DateTimeKind.Utc)).ToArray(),
                details = tallies.Select(t => t.LastDetail).ToArray(),
            },
            cancellationToken: cancellationToken));
    }

    /// <summary>Forgets the days more than <see cref="KeptDays"/> before <paramref name="today"/> (UTC); returns how many rows went.</summary>
    public async Task<int> PruneAsync(DateTime today, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM property_drops WHERE day < @cutoff::date",
            new { cutoff = DateTime.SpecifyKind(today.Date.AddDays(-KeptDays), DateTimeKind.Unspecified) }, cancellationToken: cancellationToken));
    }

    /// <summary>The property's counts per reason since a UTC day, most recent reason first.</summary>
    public async Task<IReadOnlyList<DropCount>> SinceAsync(long propertyId, DateTime day, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<DropCount>(new CommandDefinition("""
            SELECT reason AS Reason, sum(count)::bigint AS Count, max(last_at) AS LastAt,
                   (array_agg(last_detail ORDER BY last_at DESC) FILTER (WHERE last_detail IS NOT NULL))[1] AS LastDetail
            FROM property_drops WHERE property_id = @propertyId AND day >= @day::date
            GROUP BY reason ORDER BY max(last_at) DESC
            """, new { propertyId, day = DateTime.SpecifyKind(day.Date, DateTimeKind.Unspecified) }, cancellationToken: cancellationToken))).AsList();
    }
}

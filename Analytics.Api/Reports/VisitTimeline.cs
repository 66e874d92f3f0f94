using Analytics.Storage.ClickHouse;

namespace Analytics.Api.Reports;

/// <summary>One visit's events in order, from the raw events (the visit's bounds come from the sessions table).</summary>
public sealed class VisitTimeline(IClickHouse clickHouse)
{
    /// <summary>One visit's events in order, or null when the property has no such visit.</summary>
    public async Task<IReadOnlyList<SessionEvent>?> ReadAsync(long propertyId, ulong sessionId, CancellationToken cancellationToken)
    {
        var bounds = await clickHouse.QueryAsync<Bounds>(
            """
            SELECT min(session_start) AS start, max(session_end) AS end, count() AS n FROM sessions
            WHERE property_id = {property:UInt64} AND session_id = {session:UInt64}
            """, new { property = (ulong)propertyId, session = sessionId }, cancellationToken: cancellationToken);
        if (bounds.Single() is not { N: > 0 } found)
        {
            return null;
        }

        return await clickHouse.QueryAsync<SessionEvent>(
            """
            SELECT timestamp, toString(name) AS name, pathname, props, engagement_ms, scroll_depth, toFloat64(revenue_amount) AS revenue,
                   toString(revenue_currency) AS revenue_currency
            FROM events
            WHERE property_id = {property:UInt64} AND session_id = {session:UInt64} AND timestamp >= {start:DateTime64(3)} AND timestamp <= {end:DateTime64(3)}
            ORDER BY timestamp, name
            """, new { property = (ulong)propertyId, session = sessionId, start = found.Start, end = found.End }, cancellationToken: cancellationToken);
    }

    private sealed record Bounds(DateTime Start, DateTime End, ulong N);
}

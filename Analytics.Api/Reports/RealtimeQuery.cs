using Analytics.Storage.ClickHouse;
using NodaTime;

namespace Analytics.Api.Reports;

/// <summary>Current visitors and the last 30 minutes, minute by minute, from the raw events.</summary>
public sealed class RealtimeQuery(IClickHouse clickHouse)
{
    /// <summary>"Current" means seen in the last 5 minutes.</summary>
    public static readonly Duration CurrentWindow = Duration.FromMinutes(5);

    public async Task<Realtime> ReadAsync(long propertyId, Instant now, CancellationToken cancellationToken)
    {
        var parameters = new { property = (ulong)propertyId, since = now - Duration.FromMinutes(30), current = now - CurrentWindow, now };
        var current = await clickHouse.QueryAsync<Count>(
            """
            SELECT uniq(visitor_id) AS n FROM events
            WHERE property_id = {property:UInt64} AND timestamp >= {current:DateTime64(3)} AND timestamp <= {now:DateTime64(3)} AND name != 'engagement'
            """, parameters, cancellationToken: cancellationToken);
        var minutes = await clickHouse.QueryAsync<RealtimeMinute>(
            """
            SELECT toStartOfMinute(timestamp) AS minute, uniq(visitor_id) AS visitors, countIf(name = 'pageview') AS pageviews FROM events
            WHERE property_id = {property:UInt64} AND timestamp >= {since:DateTime64(3)} AND timestamp <= {now:DateTime64(3)} AND name != 'engagement'
            GROUP BY minute ORDER BY minute
            """, parameters, cancellationToken: cancellationToken);
        var byMinute = minutes.ToDictionary(m => m.Minute);
        var first = now.ToDateTimeUtc().AddMinutes(-29);
        first = new DateTime(first.Year, first.Month, first.Day, first.Hour, first.Minute, 0, DateTimeKind.Utc);
        var all = Enumerable.Range(0, 30).Select(i => first.AddMinutes(i)).Select(m => byMinute.GetValueOrDefault(m) ?? new RealtimeMinute(m, 0, 0)).ToList();
        return new Realtime(current.Single().N, all);
    }

    private sealed record Count(ulong N);
}

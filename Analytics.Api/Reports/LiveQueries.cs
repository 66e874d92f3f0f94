using Analytics.Storage.ClickHouse;
using NodaTime;

namespace Analytics.Api.Reports;

/// <summary>Current visitors and the last 30 minutes minute by minute. "Current" means seen in the last 5 minutes.</summary>
public sealed record Realtime(ulong Visitors, IReadOnlyList<RealtimeMinute> Minutes);

public sealed record RealtimeMinute(DateTime Minute, ulong Visitors, ulong Pageviews);

/// <summary>One visit in a session list. The id is a string: it is a 64-bit number, beyond what JSON numbers hold exactly.</summary>
public sealed record SessionSummary(string Id, DateTime Start, DateTime End, ulong Pageviews, ulong Events, ulong DurationMs, string EntryPage,
    string ExitPage, string Source, string Country, string Browser, string Os, string Device);

public sealed record SessionEvent(DateTime Timestamp, string Name, string Pathname, IReadOnlyDictionary<string, string> Props, uint EngagementMs, byte ScrollDepth, double Revenue, string RevenueCurrency);

/// <summary>Queries outside the aggregate model: realtime numbers, the list of visits and one visit's timeline.</summary>
public sealed class LiveQueries(IClickHouse clickHouse)
{
    public static readonly Duration CurrentWindow = Duration.FromMinutes(5);

    public async Task<Realtime> RealtimeAsync(long propertyId, Instant now, CancellationToken cancellationToken)
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

    /// <summary>One visit's events in order, or null when the property has no such visit.</summary>
    public async Task<IReadOnlyList<SessionEvent>?> TimelineAsync(long propertyId, ulong sessionId, CancellationToken cancellationToken)
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

    /// <summary>The local day of the property's first event (for the "all" range), or null before any.</summary>
    public async Task<LocalDate?> FirstDayAsync(long propertyId, DateTimeZone zone, CancellationToken cancellationToken)
    {
        var first = await clickHouse.QueryAsync<First>(
            "SELECT min(bucket) AS bucket, count() AS n FROM rollup_property WHERE property_id = {property:UInt64}",
            new { property = (ulong)propertyId }, cancellationToken: cancellationToken);
        return first.Single() is { N: > 0 } found ? Instant.FromDateTimeUtc(DateTime.SpecifyKind(found.Bucket, DateTimeKind.Utc)).InZone(zone).Date : null;
    }

    /// <summary>When the property's latest event arrived (the installation check), or null before any.</summary>
    public async Task<DateTime?> LastEventAsync(long propertyId, CancellationToken cancellationToken)
    {
        var last = await clickHouse.QueryAsync<First>(
            "SELECT max(timestamp) AS bucket, count() AS n FROM events WHERE property_id = {property:UInt64}",
            new { property = (ulong)propertyId }, cancellationToken: cancellationToken);
        return last.Single() is { N: > 0 } found ? DateTime.SpecifyKind(found.Bucket, DateTimeKind.Utc) : null;
    }

    /// <summary>The custom property keys sent with an event in a range, most used first (what its props can be broken down by).</summary>
    public async Task<IReadOnlyList<string>> PropKeysAsync(long propertyId, ReportRange range, string eventName, CancellationToken cancellationToken)
    {
        var keys = await clickHouse.QueryAsync<PropKey>(
            """
            SELECT arrayJoin(mapKeys(props)) AS key FROM events
            WHERE property_id = {property:UInt64} AND timestamp >= {from:DateTime64(3)} AND timestamp < {to:DateTime64(3)} AND name = {name:String}
            GROUP BY key ORDER BY count() DESC, key LIMIT 20
            """, new { property = (ulong)propertyId, from = range.From, to = range.To, name = eventName }, cancellationToken: cancellationToken);
        return keys.Select(k => k.Key).ToList();
    }

    private sealed record PropKey(string Key);

    private sealed record Count(ulong N);

    private sealed record First(DateTime Bucket, ulong N);

    private sealed record Bounds(DateTime Start, DateTime End, ulong N);
}

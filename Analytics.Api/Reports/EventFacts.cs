using Analytics.Storage.ClickHouse;
using NodaTime;

namespace Analytics.Api.Reports;

/// <summary>Facts about a property's events that no report answers: its first day, its latest event, the property keys an event carries.</summary>
public sealed class EventFacts(IClickHouse clickHouse)
{
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

    private sealed record First(DateTime Bucket, ulong N);
}

using Analytics.ClickHouse;
using NodaTime;

namespace Analytics.Reports;

/// <summary>
/// Top stats and time series of one property, from the rollups or from raw events with the same definitions:
/// engagement events are not events and make no visitors; a visit belongs to the range its session started in.
/// Time series group by the buckets' UTC edges (computed with NodaTime), so local hours and days are exact.
/// </summary>
public sealed class ReportQueries(IClickHouse clickHouse)
{
    private sealed record Totals(ulong Visitors, ulong Visits, ulong Pageviews, ulong Events, long Bounces, ulong DurationMs);

    private sealed record Point(uint Index, ulong Visitors, ulong Pageviews, ulong Visits);

    public async Task<TopStats> TopStatsAsync(long propertyId, ReportRange range, ReportSource source, CancellationToken cancellationToken)
    {
        var parameters = new { property = (ulong)propertyId, from = range.From, to = range.To };
        var sql = source == ReportSource.Rollup
            ? """
              SELECT uniqMerge(visitors) AS visitors, sum(visits) AS visits, sum(pageviews) AS pageviews, sum(events) AS events,
                     sum(bounces) AS bounces, sum(duration_ms) AS duration_ms
              FROM rollup_property
              WHERE property_id = {property:UInt64} AND bucket >= {from:DateTime64(3)} AND bucket < {to:DateTime64(3)}
              """
            : """
              SELECT e.visitors, s.visits, e.pageviews, e.events, s.bounces, s.duration_ms
              FROM
              (
                  SELECT uniqIf(visitor_id, name != 'engagement') AS visitors, countIf(name = 'pageview') AS pageviews,
                         countIf(name != 'engagement') AS events
                  FROM events
                  WHERE property_id = {property:UInt64} AND timestamp >= {from:DateTime64(3)} AND timestamp < {to:DateTime64(3)}
              ) AS e,
              (
                  SELECT count() AS visits, toInt64(countIf(pageviews = 1)) AS bounces, sum(duration) AS duration_ms
                  FROM
                  (
                      SELECT session_id, countIf(name = 'pageview') AS pageviews, toUInt64(dateDiff('millisecond', min(timestamp), max(timestamp))) AS duration
                      FROM events
                      WHERE property_id = {property:UInt64} AND session_start >= {from:DateTime64(3)} AND session_start < {to:DateTime64(3)}
                      GROUP BY session_id
                  )
              ) AS s
              """;
        var totals = (await clickHouse.QueryAsync<Totals>(sql, parameters, cancellationToken: cancellationToken)).Single();
        return new TopStats(totals.Visitors, totals.Visits, totals.Pageviews, totals.Events, (ulong)Math.Max(0, totals.Bounces), totals.DurationMs);
    }

    /// <summary>Visitors, pageviews and visits per bucket; buckets without traffic are zeros.</summary>
    public async Task<IReadOnlyList<SeriesPoint>> TimeseriesAsync(long propertyId, IReadOnlyList<TimeBucket> buckets, ReportSource source, CancellationToken cancellationToken)
    {
        if (buckets.Count == 0)
        {
            return [];
        }

        // Bucket i covers [edges[i-1], edges[i]): the number of edges at or before a time is its bucket's 1-based index.
        var edges = buckets.Select(b => b.From).Skip(1).ToList();
        var parameters = new { property = (ulong)propertyId, from = buckets[0].From, to = buckets[^1].To, edges };
        var sql = source == ReportSource.Rollup
            ? """
              SELECT toUInt32(arrayCount(e -> e <= bucket, {edges:Array(DateTime64(3))})) AS index,
                     uniqMerge(visitors) AS visitors, sum(pageviews) AS pageviews, sum(visits) AS visits
              FROM rollup_property
              WHERE property_id = {property:UInt64} AND bucket >= {from:DateTime64(3)} AND bucket < {to:DateTime64(3)}
              GROUP BY index
              """
            : """
              SELECT toUInt32(arrayCount(e -> e <= timestamp, {edges:Array(DateTime64(3))})) AS index,
                     uniqIf(visitor_id, name != 'engagement') AS visitors, countIf(name = 'pageview') AS pageviews,
                     sum(session_first) AS visits
              FROM events
              WHERE property_id = {property:UInt64} AND timestamp >= {from:DateTime64(3)} AND timestamp < {to:DateTime64(3)}
              GROUP BY index
              """;
        var points = (await clickHouse.QueryAsync<Point>(sql, parameters, cancellationToken: cancellationToken)).ToDictionary(p => (int)p.Index);
        return buckets.Select((bucket, i) => points.TryGetValue(i, out var p)
            ? new SeriesPoint(bucket, p.Visitors, p.Pageviews, p.Visits)
            : new SeriesPoint(bucket, 0, 0, 0)).ToList();
    }
}

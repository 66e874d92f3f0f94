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

    /// <summary>The most viewed pages, most pageviews first (then by path, so the order is stable).</summary>
    public async Task<IReadOnlyList<PageStats>> TopPagesAsync(long propertyId, ReportRange range, int limit, ReportSource source, CancellationToken cancellationToken)
    {
        var parameters = new { property = (ulong)propertyId, from = range.From, to = range.To, limit = Math.Clamp(limit, 1, 10_000) };
        var sql = source == ReportSource.Rollup
            ? """
              SELECT pathname, uniqMerge(visitors) AS visitors, sum(pageviews) AS pageviews, sum(entries) AS entries, sum(exits) AS exits,
                     sum(engagements) AS engagements, sum(engaged_ms) AS engaged_ms, sum(scroll_depth_sum) AS scroll_depth_sum
              FROM rollup_page
              WHERE property_id = {property:UInt64} AND bucket >= {from:DateTime64(3)} AND bucket < {to:DateTime64(3)}
              GROUP BY pathname
              HAVING pageviews > 0
              ORDER BY pageviews DESC, pathname
              LIMIT {limit:UInt32}
              """
            : """
              SELECT pathname, any(v.visitors) AS visitors, any(v.pageviews) AS pageviews, any(v.engagements) AS engagements,
                     any(v.engaged_ms) AS engaged_ms, any(v.scroll_depth_sum) AS scroll_depth_sum,
                     toUInt64(countIf(s.entry = pathname)) AS entries, toInt64(countIf(s.exit = pathname)) AS exits
              FROM
              (
                  SELECT pathname, uniqIf(visitor_id, name = 'pageview') AS visitors, countIf(name = 'pageview') AS pageviews,
                         countIf(name = 'engagement') AS engagements, sumIf(engagement_ms, name = 'engagement') AS engaged_ms,
                         sumIf(scroll_depth, name = 'engagement') AS scroll_depth_sum
                  FROM events
                  WHERE property_id = {property:UInt64} AND timestamp >= {from:DateTime64(3)} AND timestamp < {to:DateTime64(3)}
                    AND name IN ('pageview', 'engagement')
                  GROUP BY pathname
                  HAVING pageviews > 0
              ) AS v
              LEFT JOIN
              (
                  SELECT argMinIf(pathname, timestamp, name = 'pageview') AS entry, argMaxIf(pathname, timestamp, name = 'pageview') AS exit
                  FROM events
                  WHERE property_id = {property:UInt64} AND session_start >= {from:DateTime64(3)} AND session_start < {to:DateTime64(3)}
                  GROUP BY session_id
              ) AS s ON s.entry = v.pathname OR s.exit = v.pathname
              GROUP BY pathname
              ORDER BY pageviews DESC, pathname
              LIMIT {limit:UInt32}
              """;
        return await clickHouse.QueryAsync<PageStats>(sql, parameters, cancellationToken: cancellationToken);
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

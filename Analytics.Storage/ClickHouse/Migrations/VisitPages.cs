using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Analytics.Storage.ClickHouse.Migrations;

/// <summary>
/// Migration 0025 (schema/clickhouse/0025_visit_pages.sql): the visits stored before it get their pages. Each partition
/// of <c>sessions</c>, oldest first, gets a row more for each of its rows: the same visit (its key and the attributes
/// every row of it carries) with the paths of its events other than engagement, and nothing else (sums of zero, empty
/// states), so the rows of a visit still merge to what they were, now with its pages. Safe to stop at any point: a
/// partition written again only adds rows that merge away. The partitions done are recorded in
/// <c>visit_pages_written</c>, which the end drops. Nothing inserts meanwhile (the migrations hold the batcher,
/// <see cref="ClickHouseUpgrade"/>).
/// </summary>
internal sealed partial class VisitPages(ILogger logger) : IClickHouseDataMigration
{
    private const string Written = "visit_pages_written";

    /// <summary>The attributes collect stamps on every event of a visit: the same on each of its sessions rows.</summary>
    private const string Attributes = "entry_page, referrer, referrer_source, utm_source, utm_medium, utm_campaign, utm_content, utm_term, country_code, region, city, browser, browser_version, os, os_version, device_type, screen_size, locale";

    /// <summary>
    /// Inserts in blocks of 65,536 rows (as <see cref="SessionsConversion"/>), never taken for the repeat of an earlier
    /// one, on one thread (one aggregation's table of pages instead of one a thread). On a ClickHouse that chooses a
    /// join's hashed side (<paramref name="choosesHashedSide"/>: recent releases, the embedded 26.7 among them), told to
    /// hash the right side as written, the pages: left to choose, it hashes the partition's sessions rows and their 18
    /// attributes, as many rows but far wider. An earlier server always hashes the right side, and refuses a setting it
    /// does not know. Measured on the 100M events: one month's statement alone 1.18 GB peak and 2.8 s as ClickHouse
    /// chose, 0.79 GB and 1.8 s with the pages hashed, 0.74 GB on one thread too; the whole upgrade 1.76 GB and 104 s as
    /// chosen, 1.40-1.43 GB and 65-68 s with both.
    /// </summary>
    private static ClickHouseSettings Writing(bool choosesHashedSide)
    {
        var settings = new ClickHouseSettings
        {
            ["insert_deduplicate"] = "0", ["min_insert_block_size_rows"] = "65536", ["min_insert_block_size_bytes"] = "67108864", ["max_threads"] = "1",
        };
        if (choosesHashedSide)
        {
            settings["query_plan_join_swap_table"] = "false";
        }

        return settings;
    }

    public string Name => "VisitPages";

    public async Task RunAsync(IClickHouse clickHouse, CancellationToken cancellationToken)
    {
        var settings = Writing((await clickHouse.QueryAsync<Known>(
            "SELECT CAST(count() > 0 AS Bool) AS value FROM system.settings WHERE name = 'query_plan_join_swap_table'", cancellationToken: cancellationToken).ConfigureAwait(false))[0].Value);
        await ClickHouseMigrator.ForEachSessionsPartitionAsync(
            clickHouse,
            Written,
            async partition =>
            {
                // The partition is a month of visits' starts (toYYYYMM); their events are in that month and the next.
                var month = DateTime.ParseExact(partition.Id, "yyyyMM", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
                await clickHouse.ExecuteAsync(
                    $$"""
                    INSERT INTO sessions (property_id, session_start, session_id, visitor_id, {{Attributes}}, pages)
                    SELECT s.property_id, s.session_start, s.session_id, s.visitor_id, {{string.Join(", ", Attributes.Split(", ").Select(a => "s." + a))}}, p.pages
                    FROM sessions AS s
                    INNER JOIN
                    (
                        SELECT property_id, session_id, arrayDistinct(groupArray(pathname)) AS pages
                        FROM events
                        WHERE timestamp >= {from:DateTime64(3)} AND session_start >= {from:DateTime64(3)} AND session_start < {to:DateTime64(3)} AND name != 'engagement'
                        GROUP BY property_id, session_id
                    ) AS p ON s.property_id = p.property_id AND s.session_id = p.session_id
                    WHERE s._partition_id = {partition:String}
                    """,
                    new { partition = partition.Id, from = month, to = month.AddMonths(1) }, settings, cancellationToken).ConfigureAwait(false);
            },
            LogWritten,
            cancellationToken).ConfigureAwait(false);
        await clickHouse.ExecuteAsync($"DROP TABLE IF EXISTS {Written} SYNC", cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Migration 0025: gave the visits of sessions partition {Partition} their pages ({Index} of {Count}; {Percent:0}% of its {Rows:N0} rows)")]
    private partial void LogWritten(string partition, int index, int count, decimal percent, decimal rows);

    private sealed record Known(bool Value);
}

using Analytics.Ingest.Enrichment;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Migrations;
using Microsoft.Extensions.Logging;

namespace Analytics.Ingest.Events;

/// <summary>
/// The acquisition channel and exit hostname of the visits stored before ClickHouse migration 0011
/// (schema/clickhouse/0011_channel_and_exit_hostname.sql): each distinct source, UTM medium, campaign, utm_source and
/// click id is classified as collect classifies it, then the events' column is set, the sessions get a row with their
/// channel (the table keeps a session's greatest) and exit hostname, and the daily rollup's visit:channel rows are
/// written (the monthly one follows through its view). Safe to repeat: the sessions' rows only add the channel and the
/// exit hostname, and the rollup's visit:channel rows are deleted before they are written (the migration runs before
/// the server takes events, so every such row comes from here).
/// </summary>
public sealed class ChannelAndExitHostnameBackfill(ILogger<ChannelAndExitHostnameBackfill> logger) : IClickHouseDataMigration
{
    private const string Key = "concat(toString(referrer_source), '\\x1f', utm_medium, '\\x1f', utm_campaign, '\\x1f', utm_source, '\\x1f', toString(click_id_param))";

    public string Name => nameof(ChannelAndExitHostnameBackfill);

    public async Task RunAsync(IClickHouse clickHouse, CancellationToken cancellationToken)
    {
        var combinations = await clickHouse.QueryAsync<Combination>(
            $"SELECT DISTINCT toString(referrer_source) AS source, utm_medium, utm_campaign, utm_source, toString(click_id_param) AS click_id_param, {Key} AS key FROM events WHERE channel = ''",
            cancellationToken: cancellationToken);
        var wait = new ClickHouseSettings { ["mutations_sync"] = "2" };
        if (combinations.Count > 0)
        {
            var referrers = await ReferrerSources.LoadAsync(m => logger.LogInformation("{Message}", m), cancellationToken);
            logger.LogInformation("Classifying the channels of {Count} stored source and campaign combinations", combinations.Count);
            foreach (var chunk in combinations.Chunk(2_000))
            {
                await clickHouse.ExecuteAsync(
                    $"ALTER TABLE events UPDATE channel = transform({Key}, {{keys:Array(String)}}, {{channels:Array(String)}}, '') WHERE channel = '' AND has({{keys:Array(String)}}, {Key})",
                    new
                    {
                        keys = chunk.Select(c => c.Key).ToArray(),
                        channels = chunk.Select(c => referrers.Channel(c.Source, c.UtmMedium, c.UtmCampaign, c.UtmSource, c.ClickIdParam)).ToArray(),
                    },
                    wait,
                    cancellationToken);
            }
        }

        const string Visitor = "country_code, region, city, browser, browser_version, os, os_version, device_type, screen_size, locale";
        logger.LogInformation("Adding the channels and exit hostnames to the stored sessions, and the channels to the daily rollup");
        await clickHouse.ExecuteAsync(
            $"""
            INSERT INTO sessions (property_id, session_start, session_id, visitor_id, session_end, {Visitor}, channel, exit_hostname)
            SELECT property_id, session_start, session_id, any(visitor_id), max(timestamp), {string.Join(", ", Visitor.Split(", ").Select(c => $"any({c})"))}, max(channel),
                   argMaxState(toString(hostname), if(name = 'pageview', timestamp, toDateTime64(0, 3, 'UTC')))
            FROM events
            GROUP BY property_id, session_start, session_id
            """,
            cancellationToken: cancellationToken);
        await clickHouse.ExecuteAsync("OPTIMIZE TABLE sessions FINAL", cancellationToken: cancellationToken); // filters read a session's rows one by one

        foreach (var table in new[] { "rollup_daily", "rollup_monthly" })
        {
            await clickHouse.ExecuteAsync($"ALTER TABLE {table} DELETE WHERE dimension = 'visit:channel'", settings: wait, cancellationToken: cancellationToken);
        }

        await clickHouse.ExecuteAsync(
            """
            INSERT INTO rollup_daily (property_id, day, dimension, value, visitor_sketch, pageviews, events, engagements, engaged_ms, scroll_depth_sum, revenue)
            SELECT property_id, toDate(timestamp) AS day, 'visit:channel', toString(channel) AS value,
                   uniqCombinedIfState(13)(visitor_id, name != 'engagement'), countIf(name = 'pageview'), countIf(name != 'engagement'),
                   countIf(name = 'engagement'), sumIf(engagement_ms, name = 'engagement'), sumIf(scroll_depth, name = 'engagement'), sum(revenue_amount)
            FROM events
            GROUP BY property_id, day, value
            """,
            cancellationToken: cancellationToken);
        await clickHouse.ExecuteAsync(
            """
            INSERT INTO rollup_daily (property_id, day, dimension, value, visits, bounces, duration_ms)
            SELECT property_id, toDate(session_start) AS day, 'visit:channel', toString(channel) AS value, sum(session_first), sum(bounce_delta), sum(duration_delta_ms)
            FROM events
            WHERE session_first = 1 OR bounce_delta != 0 OR duration_delta_ms != 0
            GROUP BY property_id, day, value
            """,
            cancellationToken: cancellationToken);
    }

    private sealed record Combination(string Source, string UtmMedium, string UtmCampaign, string UtmSource, string ClickIdParam, string Key);
}

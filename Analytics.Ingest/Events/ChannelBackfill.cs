using Analytics.Ingest.Enrichment;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Migrations;
using Microsoft.Extensions.Logging;

namespace Analytics.Ingest.Events;

/// <summary>
/// The acquisition channel of the events stored before ClickHouse migration 0011
/// (schema/clickhouse/0011_channel_and_exit_hostname.sql): each distinct source, UTM medium, campaign, utm_source and
/// click id is classified as collect classifies it, and the events' column is set. Their visits and rollups get the
/// channel (and the exit hostname) when migration 0012 derives every table from the events again (<see cref="EventReplay"/>).
/// Safe to repeat: it sets only the channels still blank.
/// </summary>
public sealed class ChannelBackfill(ILogger<ChannelBackfill> logger) : IClickHouseDataMigration
{
    private const string Key = "concat(toString(referrer_source), '\\x1f', utm_medium, '\\x1f', utm_campaign, '\\x1f', utm_source, '\\x1f', toString(click_id_param))";

    public string Name => nameof(ChannelBackfill);

    public async Task RunAsync(IClickHouse clickHouse, CancellationToken cancellationToken)
    {
        var combinations = await clickHouse.QueryAsync<Combination>(
            $"SELECT DISTINCT toString(referrer_source) AS source, utm_medium, utm_campaign, utm_source, toString(click_id_param) AS click_id_param, {Key} AS key FROM events WHERE channel = ''",
            cancellationToken: cancellationToken);
        if (combinations.Count > 0)
        {
            var wait = new ClickHouseSettings { ["mutations_sync"] = "2" };
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
    }

    private sealed record Combination(string Source, string UtmMedium, string UtmCampaign, string UtmSource, string ClickIdParam, string Key);
}

using Analytics.Ingest.Events;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Migrations;
using Analytics.Storage.Properties;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Analytics.Ingest;

/// <summary>
/// Per-property data retention: a minute after start and then every hour, each property with a retention period loses
/// the events (and rollup rows) older than that many days, counted back from the start of today (UTC); the drop
/// counters of the installation check lose their days past <see cref="PropertyDrops.KeptDays"/>.
/// </summary>
internal sealed partial class RetentionService(PropertyStore properties, PropertyDrops drops, EventDeletion eventData, TimeProvider clock, ILogger<RetentionService> logger, ClickHouseUpgrade? upgrade = null) : BackgroundService
{
    private static readonly TimeSpan FirstRun = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>Applies every property's retention once; returns how many properties lost rows.</summary>
    public async Task<int> ApplyAsync(CancellationToken cancellationToken)
    {
        var today = clock.GetUtcNow().UtcDateTime.Date;
        await drops.PruneAsync(today, cancellationToken);
        var trimmed = 0;
        foreach (var property in await properties.ListAsync(cancellationToken))
        {
            if (property.RetentionDays is not { } days)
            {
                continue;
            }

            var cutoff = today.AddDays(-days);
            var tables = await eventData.DeleteBeforeAsync(property.Id, cutoff, cancellationToken);
            if (tables.Count > 0)
            {
                trimmed++;
                LogTrimmed(property.Domain, days, cutoff, string.Join(", ", tables));
            }
        }

        return trimmed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (upgrade is not null && !await upgrade.WaitAsync(stoppingToken))
        {
            return; // no deletions while ClickHouse migrations run (0012 refills the events table)
        }

        var wait = FirstRun;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(wait, clock, stoppingToken);
                await ApplyAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogFailed(e); // tried again at the next interval
            }

            wait = Interval;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: deleted {Domain}'s data from before {Cutoff:yyyy-MM-dd} ({Days} days kept) from {Tables}")]
    private partial void LogTrimmed(string domain, int days, DateTime cutoff, string tables);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Applying data retention failed; it is tried again in an hour")]
    private partial void LogFailed(Exception exception);
}

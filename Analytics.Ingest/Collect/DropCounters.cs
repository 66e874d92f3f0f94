using Analytics.Storage.Properties;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Analytics.Ingest.Collect;

/// <summary>
/// Counts the events each property did not keep, by reason, in memory, and adds them to PostgreSQL
/// (<see cref="PropertyDrops"/>) every two seconds and at shutdown, so the installation check can say why nothing
/// arrived. The collect path only takes a lock for a dictionary update; counts that PostgreSQL does not take are kept
/// for the next round.
/// </summary>
internal sealed partial class DropCounters(PropertyDrops store, TimeProvider clock, ILogger<DropCounters> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private readonly Lock _lock = new();
    private Dictionary<(long Property, string Reason, DateTime Day), DropTally> _pending = [];

    public void Count(long propertyId, string reason, string? detail = null)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        lock (_lock)
        {
            var key = (propertyId, reason, now.Date);
            _pending[key] = _pending.TryGetValue(key, out var tally)
                ? tally with { Count = tally.Count + 1, LastAt = now, LastDetail = detail ?? tally.LastDetail }
                : new DropTally(propertyId, reason, now.Date, 1, now, detail);
        }
    }

    /// <summary>Adds what was counted to PostgreSQL; on failure, keeps it for the next call.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        Dictionary<(long, string, DateTime), DropTally> taken;
        lock (_lock)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            (taken, _pending) = (_pending, []);
        }

        try
        {
            await store.AddAsync(taken.Values, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogFailed(e);
            lock (_lock)
            {
                foreach (var (key, tally) in taken)
                {
                    _pending[key] = _pending.TryGetValue(key, out var newer)
                        ? newer with { Count = newer.Count + tally.Count, LastDetail = newer.LastDetail ?? tally.LastDetail }
                        : tally;
                }
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The drop counters could not be written to PostgreSQL; they are tried again in a few seconds")]
    private partial void LogFailed(Exception exception);
}

using System.Diagnostics;
using Analytics.ClickHouse;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Analytics.Ingest.Spool;

/// <summary>
/// Drains sealed spool segments into ClickHouse, oldest first, one insert per segment with the segment's name as the
/// deduplication token (so a segment replayed after a crash inserts nothing twice, in the raw table or any view). A
/// segment is deleted only after ClickHouse confirmed it. Failures back off exponentially (0.1 s doubling to 30 s);
/// a segment ClickHouse refuses as malformed data is set aside, never retried forever.
/// </summary>
public sealed partial class SpoolBatcher(EventSpool spool, IClickHouse clickHouse, IngestMetrics metrics, ILogger<SpoolBatcher> logger) : BackgroundService
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    // ClickHouse codes that say the rows themselves are wrong: retrying cannot help.
    private static readonly HashSet<int> DataErrors = [6, 26, 27, 38, 41, 53, 69, 72, 117, 130];

    /// <summary>Inserts every sealed segment now; returns false when ClickHouse failed and segments remain.</summary>
    public async Task<bool> DrainAsync(CancellationToken cancellationToken)
    {
        foreach (var segment in spool.ReadySegments())
        {
            var (records, _) = SegmentFormat.Read(segment);
            var start = Stopwatch.GetTimestamp();
            try
            {
                await clickHouse.InsertAsync("events", Join(records), ClickHouseSettings.Deduplicated(EventSpool.Token(segment)), cancellationToken);
            }
            catch (ClickHouseException e) when (DataErrors.Contains(e.ErrorCode))
            {
                LogRejected(e, Path.GetFileName(segment), records.Count);
                spool.Reject(segment);
                metrics.RecordRejected(records.Count);
                continue;
            }
            catch (ClickHouseException e)
            {
                LogInsertFailed(e, Path.GetFileName(segment), e.Message);
                metrics.RecordInsertFailure();
                return false;
            }

            spool.Complete(segment);
            metrics.RecordBatch(records.Count, Stopwatch.GetElapsedTime(start));
        }

        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = FirstBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await DrainAsync(stoppingToken))
                {
                    backoff = FirstBackoff;
                    await spool.WaitForReadyAsync(TimeSpan.FromMilliseconds(250), stoppingToken);
                }
                else
                {
                    await Task.Delay(backoff, stoppingToken);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// On a graceful stop (the web server has already stopped taking requests): seal what is in the spool and insert
    /// it, within a bound; whatever ClickHouse does not take in time stays on disk for the next start.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await spool.CompleteAsync();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await DrainAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            // the rest is replayed at the next start
        }
    }

    private static byte[] Join(List<byte[]> records)
    {
        var buffer = new byte[records.Sum(r => r.Length + 1)];
        var offset = 0;
        foreach (var record in records)
        {
            record.CopyTo(buffer, offset);
            offset += record.Length;
            buffer[offset++] = (byte)'\n';
        }

        return buffer;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inserting spool segment {Segment} failed, will retry: {Reason}")]
    private partial void LogInsertFailed(Exception exception, string segment, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "ClickHouse refused spool segment {Segment} ({Count} events) as malformed; it is set aside as .rejected")]
    private partial void LogRejected(Exception exception, string segment, int count);
}

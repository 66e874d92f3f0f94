using System.Diagnostics;
using Analytics.Ingest.Events;
using Analytics.Storage.ClickHouse;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Analytics.Ingest.Spool;

/// <summary>
/// Drains sealed spool segments into ClickHouse in batches (<see cref="EventSpool.NewBatches"/>: a backlog goes in a few
/// large inserts, not one per segment), each with its first segment's name as the deduplication token, so a batch
/// replayed after a crash inserts nothing twice, in the raw table or any view. Batches fixed earlier go first, and new
/// ones are formed only once those are in. Segments are deleted only after ClickHouse confirmed them and its data is on
/// disk (<see cref="IClickHouse.FlushToDiskAsync"/>), so a power loss cannot take both copies. Failures of any
/// kind (ClickHouse down, a timeout, an error it reports) are retried with a backoff from 0.1 s doubling to 1 s, so a
/// backlog starts draining within a second of ClickHouse answering again; a batch ClickHouse refuses as malformed data
/// is set aside, never retried forever.
/// </summary>
internal sealed partial class SpoolBatcher(EventSpool spool, IClickHouse clickHouse, IngestMetrics metrics, ILogger<SpoolBatcher> logger) : BackgroundService
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);

    // ClickHouse codes that say the rows themselves are wrong: retrying cannot help.
    private static readonly HashSet<int> DataErrors = [6, 26, 27, 38, 41, 53, 69, 72, 117, 130];

    // The current run of failed inserts: logged as a warning when it starts, and once more when it ends.
    private int _failures;
    private long _failingSince;

    /// <summary>Inserts every sealed segment now; returns false when an insert failed and segments remain.</summary>
    public async Task<bool> DrainAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var batch in spool.FixedBatches())
            {
                if (!await InsertAsync(batch, cancellationToken))
                {
                    return false;
                }
            }

            foreach (var batch in spool.NewBatches())
            {
                if (!await InsertAsync(batch, cancellationToken))
                {
                    return false;
                }
            }

            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Failed(e, "the spool directory"); // its own files: e.g. a full disk while fixing a batch
            return false;
        }
    }

    private async Task<bool> InsertAsync(SpoolBatch batch, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var records = new List<byte[]>();
        byte[]? columns = null;
        try
        {
            foreach (var segment in batch.Segments)
            {
                var read = SegmentFormat.Read(segment);
                columns = read.Columns; // the same for every segment of a batch
                records.AddRange(read.Records);
            }

            if (records.Count > 0)
            {
                var settings = ClickHouseSettings.Deduplicated(batch.Token);
                await (columns is null
                    ? clickHouse.InsertAsync("events", Join(records, "\n"u8), settings, cancellationToken) // written before RowBinary
                    : clickHouse.InsertAsync("events", EventRowBinary.ColumnNames(columns), EventRowBinary.Format, Join([columns, .. records], default), settings, cancellationToken));
                var flush = Stopwatch.GetTimestamp();
                await clickHouse.FlushToDiskAsync(cancellationToken); // the segments are the only other copy
                metrics.RecordFlush(Stopwatch.GetElapsedTime(flush));
            }
        }
        catch (ClickHouseException e) when (DataErrors.Contains(e.ErrorCode))
        {
            LogRejected(e, batch.Token, batch.Segments.Count, records.Count);
            spool.Reject(batch);
            metrics.RecordRejected(records.Count);
            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Failed(e, "batch " + batch.Token);
            return false;
        }

        if (_failures > 0)
        {
            LogRecovered(_failures, Stopwatch.GetElapsedTime(_failingSince).TotalSeconds, spool.ReadySegments().Count);
            _failures = 0;
        }

        spool.Complete(batch);
        metrics.RecordBatch(records.Count, Stopwatch.GetElapsedTime(start));
        return true;
    }

    private void Failed(Exception e, string what)
    {
        if (_failures++ == 0)
        {
            _failingSince = Stopwatch.GetTimestamp();
            LogInsertFailed(e, what, e.Message);
        }

        metrics.RecordInsertFailure();
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

    private static byte[] Join(List<byte[]> records, ReadOnlySpan<byte> separator)
    {
        var buffer = new byte[records.Sum(r => r.Length) + (records.Count * separator.Length)];
        var offset = 0;
        foreach (var record in records)
        {
            record.CopyTo(buffer, offset);
            offset += record.Length;
            separator.CopyTo(buffer.AsSpan(offset));
            offset += separator.Length;
        }

        return buffer;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Draining the spool failed at {What}; events wait in the spool and the insert is retried every second: {Reason}")]
    private partial void LogInsertFailed(Exception exception, string what, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "ClickHouse takes inserts again after {Failures} failed attempts over {Seconds:F0} s; {Segments} segments to drain")]
    private partial void LogRecovered(int failures, double seconds, int segments);

    [LoggerMessage(Level = LogLevel.Error, Message = "ClickHouse refused spool batch {Batch} ({Segments} segments, {Count} events) as malformed; its segments are set aside as .rejected")]
    private partial void LogRejected(Exception exception, string batch, int segments, int count);
}

using System.Diagnostics;
using Analytics.Ingest.Events;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Migrations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Analytics.Ingest.Spool;

/// <summary>
/// Drains sealed spool segments into ClickHouse in batches (<see cref="EventSpool.NewBatches"/>: a backlog goes in a few
/// large inserts, not one per segment; RowBinary rows go as one Native block, <see cref="NativeTranscoder"/>), each
/// with its first segment's name as the deduplication token, so a batch replayed after a crash inserts nothing twice,
/// in the raw table or any view. Batches fixed earlier go first, and new ones are formed only once those are in.
/// Segments are deleted only after ClickHouse confirmed them and its data is on disk
/// (<see cref="IClickHouse.FlushToDiskAsync"/>), so a power loss cannot take both copies. Failures of any kind
/// (ClickHouse down, a timeout, an error it reports) are retried with a backoff from 0.1 s doubling to 1 s, so a backlog
/// starts draining within a second of ClickHouse answering again; a batch ClickHouse refuses as malformed data is set
/// aside, never retried forever. While ClickHouse migrations run in the background (<see cref="ClickHouseUpgrade"/>),
/// nothing is inserted: the events wait in the spool.
/// </summary>
internal sealed partial class SpoolBatcher(EventSpool spool, IClickHouse clickHouse, IngestMetrics metrics, ILogger<SpoolBatcher> logger, ClickHouseUpgrade? upgrade = null) : BackgroundService
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);

    // ClickHouse codes that say the rows themselves are wrong: retrying cannot help.
    private static readonly HashSet<int> DataErrors = [6, 26, 27, 38, 41, 53, 69, 72, 117, 130];

    // A segment's bytes, and a batch's rows as one insert: reused from batch to batch (see Collect).
    private byte[] _segment = [];
    private byte[] _rows = [];
    private readonly NativeTranscoder _native = new();

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
        var count = 0;
        try
        {
            var (columns, length) = Collect(batch, ref count);
            if (count > 0)
            {
                var settings = ClickHouseSettings.Deduplicated(batch.Token);
                if (columns is null)
                {
                    await clickHouse.InsertAsync("events", _rows.AsMemory(0, length), settings, cancellationToken); // written before RowBinary
                }
                else if (_native.TryTranscode(columns, _rows.AsSpan(columns.Length, length - columns.Length), count, out var block))
                {
                    await clickHouse.InsertAsync("events", EventRowBinary.ColumnNames(columns), EventNative.Format, block, settings, cancellationToken);
                }
                else
                {
                    await clickHouse.InsertAsync("events", EventRowBinary.ColumnNames(columns), EventRowBinary.Format, _rows.AsMemory(0, length), settings, cancellationToken);
                }

                var flush = Stopwatch.GetTimestamp();
                await clickHouse.FlushToDiskAsync(cancellationToken); // the segments are the only other copy
                metrics.RecordFlush(Stopwatch.GetElapsedTime(flush));
            }
        }
        catch (ClickHouseException e) when (DataErrors.Contains(e.ErrorCode))
        {
            LogRejected(e, batch.Token, batch.Segments.Count, count);
            spool.Reject(batch);
            metrics.RecordRejected(count);
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
        metrics.RecordBatch(count, Stopwatch.GetElapsedTime(start));
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
        if (upgrade is not null && !await upgrade.WaitAsync(stoppingToken))
        {
            return; // stopping, or the migrations failed (the server stops): the spool keeps the events
        }

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
        if (upgrade?.Completion.IsCompletedSuccessfully == false)
        {
            return; // a migration is running or failed: the tables are not ready for the spool's rows
        }

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

    /// <summary>
    /// The batch's events as one insert in <see cref="_rows"/>: RowBinary rows after their columns header (returned), or
    /// JSON lines (null). Both buffers are kept for the next batch: a batch is megabytes, and allocating them anew each
    /// time made a blocking full garbage collection every few seconds, which collect's requests waited for.
    /// </summary>
    private (byte[]? Columns, int Length) Collect(SpoolBatch batch, ref int count)
    {
        byte[]? columns = null;
        var length = 0;
        foreach (var segment in batch.Segments)
        {
            using var file = File.OpenHandle(segment);
            var size = (int)RandomAccess.GetLength(file);
            Grow(ref _segment, size);
            var read = RandomAccess.Read(file, _segment.AsSpan(0, size), 0);
            var reader = new SegmentFormat.Reader(_segment.AsSpan(0, read));
            Grow(ref _rows, length + read); // the rows and one header (or the lines and their newlines) fit in the segments' bytes
            while (reader.Next(out var payload))
            {
                if (count++ == 0 && !reader.Columns.IsEmpty)
                {
                    columns = reader.Columns.ToArray(); // the same for every segment of a batch
                    reader.Columns.CopyTo(_rows.AsSpan(length));
                    length += columns.Length;
                }

                payload.CopyTo(_rows.AsSpan(length));
                length += payload.Length;
                if (columns is null)
                {
                    _rows[length++] = (byte)'\n';
                }
            }
        }

        return (columns, length);
    }

    private static void Grow(ref byte[] buffer, int size)
    {
        if (buffer.Length < size)
        {
            Array.Resize(ref buffer, (int)Math.Min(Array.MaxLength, Math.Max(size, 2L * buffer.Length)));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Draining the spool failed at {What}; events wait in the spool and the insert is retried every second: {Reason}")]
    private partial void LogInsertFailed(Exception exception, string what, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "ClickHouse takes inserts again after {Failures} failed attempts over {Seconds:F0} s; {Segments} segments to drain")]
    private partial void LogRecovered(int failures, double seconds, int segments);

    [LoggerMessage(Level = LogLevel.Error, Message = "ClickHouse refused spool batch {Batch} ({Segments} segments, {Count} events) as malformed; its segments are set aside as .rejected")]
    private partial void LogRejected(Exception exception, string batch, int segments, int count);
}

using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Analytics.Ingest.Spool;

/// <summary>
/// The durable queue between the collect endpoint and ClickHouse. An event is acknowledged (202) only after the fsync
/// that covers it: appends are group-committed by one writer loop, so many requests share one fsync. The active
/// segment (<c>*.open</c>) is sealed into <c>*.ready</c> after <see cref="SpoolOptions.SealAfterMs"/> or
/// <see cref="SpoolOptions.SegmentMaxEvents"/>; the <see cref="SpoolBatcher"/> inserts each sealed segment as one batch
/// and deletes it only once ClickHouse has confirmed. Segment names are unique forever (time + random), because the
/// batcher uses them as deduplication tokens: a reused name inside ClickHouse's window would drop new data silently.
/// </summary>
public sealed class EventSpool : IAsyncDisposable
{
    private const string OpenSuffix = ".open";
    private const string ReadySuffix = ".ready";
    private const string RejectedSuffix = ".rejected";

    private readonly SpoolOptions _options;
    private readonly IngestMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _readySignal = new(0, int.MaxValue);
    private readonly Task _writer;
    private long _bytes;
    private long _freeDiskCheckedAt;
    private bool _diskNearlyFull;

    // Owned by the writer loop only.
    private FileStream? _active;
    private string? _activeName;
    private int _activeCount;
    private long _activeValidLength;
    private long _activeOpenedAt;

    public EventSpool(SpoolOptions options, string directory, IngestMetrics metrics, ILogger<EventSpool> logger)
    {
        _options = options;
        _metrics = metrics;
        _logger = logger;
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        Recover();
        _writer = Task.Run(WriteLoopAsync);
    }

    public string Directory { get; }

    /// <summary>Bytes of events waiting on disk (sealed and active segments).</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Appends one event and completes once it is on disk. Throws <see cref="SpoolFullException"/> when it cannot be kept.</summary>
    public Task AppendAsync(byte[] payload)
    {
        if (Bytes + payload.Length > _options.MaxBytes)
        {
            throw new SpoolFullException($"The spool holds {Bytes / 1_048_576} MiB, its cap (Spool:MaxBytes) is {_options.MaxBytes / 1_048_576} MiB.");
        }

        if (DiskNearlyFull())
        {
            throw new SpoolFullException($"The disk of {Directory} has less free space than Spool:MinFreeDiskBytes ({_options.MinFreeDiskBytes / 1_048_576} MiB).");
        }

        var pending = new Pending(payload, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new SpoolFullException("The server is shutting down.");
        }

        return pending.Done.Task;
    }

    /// <summary>Sealed segments, oldest first.</summary>
    public IReadOnlyList<string> ReadySegments()
        => System.IO.Directory.GetFiles(Directory, "*" + ReadySuffix).Order(StringComparer.Ordinal).ToList();

    /// <summary>Waits until a segment is sealed or the timeout passes.</summary>
    public Task WaitForReadyAsync(TimeSpan timeout, CancellationToken cancellationToken) => _readySignal.WaitAsync(timeout, cancellationToken);

    /// <summary>The deduplication token of a segment: its unique name.</summary>
    public static string Token(string segmentPath) => Path.GetFileNameWithoutExtension(segmentPath);

    /// <summary>Removes a segment ClickHouse has confirmed.</summary>
    public void Complete(string segmentPath)
    {
        var size = new FileInfo(segmentPath).Length;
        File.Delete(segmentPath);
        Interlocked.Add(ref _bytes, -size);
    }

    /// <summary>Sets aside a segment ClickHouse refuses as data (never retried; kept for an operator to inspect).</summary>
    public void Reject(string segmentPath)
    {
        var size = new FileInfo(segmentPath).Length;
        File.Move(segmentPath, Path.ChangeExtension(segmentPath, RejectedSuffix));
        Interlocked.Add(ref _bytes, -size);
    }

    /// <summary>Stops accepting, writes what was accepted, and seals the active segment. Safe to call more than once.</summary>
    public async Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }

    public async ValueTask DisposeAsync()
    {
        await CompleteAsync();
        _readySignal.Dispose();
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var waiting = new List<Pending>();
        while (true)
        {
            var sealIn = _active is null ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(Math.Max(1, _options.SealAfterMs - Stopwatch.GetElapsedTime(_activeOpenedAt).TotalMilliseconds));
            bool more;
            using (var timer = new CancellationTokenSource(sealIn))
            {
                try
                {
                    more = await reader.WaitToReadAsync(timer.Token);
                }
                catch (OperationCanceledException)
                {
                    Seal(); // nothing arrived for a while: make what is there visible
                    continue;
                }
            }

            if (!more)
            {
                Seal();
                return;
            }

            while (waiting.Count < 50_000 && reader.TryRead(out var pending))
            {
                waiting.Add(pending);
            }

            Commit(waiting);
            waiting.Clear();
            if (_active is not null && Stopwatch.GetElapsedTime(_activeOpenedAt).TotalMilliseconds >= _options.SealAfterMs)
            {
                Seal();
            }
        }
    }

    /// <summary>Writes a group of appends, fsyncs, then acknowledges them all (or fails them all).</summary>
    private void Commit(List<Pending> group)
    {
        var start = Stopwatch.GetTimestamp();
        var written = new List<Pending>(group.Count);
        try
        {
            foreach (var pending in group)
            {
                EnsureActive();
                SegmentFormat.Write(_active!, pending.Payload);
                written.Add(pending);
                _activeCount++;
                if (_activeCount >= _options.SegmentMaxEvents)
                {
                    Sync(written); // a full segment is sealed with its records acknowledged
                    written.Clear();
                    Seal();
                }
            }

            Sync(written);
            _metrics.RecordSpoolWrite(group.Count, Stopwatch.GetElapsedTime(start));
        }
        catch (IOException e)
        {
            _logger.LogError(e, "Writing to the spool failed; {Count} events are refused", written.Count);
            foreach (var pending in written)
            {
                pending.Done.TrySetException(new SpoolFullException($"The spool could not write: {e.Message}"));
            }

            foreach (var pending in group.Where(p => !p.Done.Task.IsCompleted))
            {
                pending.Done.TrySetException(new SpoolFullException($"The spool could not write: {e.Message}"));
            }

            Abandon();
        }
    }

    private void Sync(List<Pending> written)
    {
        if (written.Count == 0)
        {
            return;
        }

        _active!.Flush(flushToDisk: true);
        var length = _active.Length;
        Interlocked.Add(ref _bytes, length - _activeValidLength);
        _activeValidLength = length;
        foreach (var pending in written)
        {
            pending.Done.TrySetResult();
        }
    }

    private void EnsureActive()
    {
        if (_active is not null)
        {
            return;
        }

        _activeName = $"{DateTime.UtcNow.Ticks:D19}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
        _active = new FileStream(Path.Combine(Directory, _activeName + OpenSuffix), FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16);
        _activeCount = 0;
        _activeValidLength = 0;
        _activeOpenedAt = Stopwatch.GetTimestamp();
    }

    private void Seal()
    {
        if (_active is null)
        {
            return;
        }

        _active.Flush(flushToDisk: true);
        _active.Dispose();
        _active = null;
        var open = Path.Combine(Directory, _activeName + OpenSuffix);
        if (_activeCount == 0)
        {
            File.Delete(open);
            return;
        }

        File.Move(open, Path.ChangeExtension(open, ReadySuffix));
        _readySignal.Release();
    }

    /// <summary>After a failed write: keep the acknowledged prefix of the segment, start a new one for what follows.</summary>
    private void Abandon()
    {
        if (_active is null)
        {
            return;
        }

        var open = Path.Combine(Directory, _activeName + OpenSuffix);
        try
        {
            _active.Dispose();
        }
        catch (IOException)
        {
            // the handle is going away either way
        }

        _active = null;
        try
        {
            using (var truncate = new FileStream(open, FileMode.Open, FileAccess.Write))
            {
                truncate.SetLength(_activeValidLength);
                truncate.Flush(flushToDisk: true);
            }

            if (_activeValidLength > 0)
            {
                File.Move(open, Path.ChangeExtension(open, ReadySuffix));
                _readySignal.Release();
            }
            else
            {
                File.Delete(open);
            }
        }
        catch (IOException e)
        {
            _logger.LogError(e, "The spool segment {Segment} could not be closed cleanly; it is recovered at the next start", open);
        }
    }

    /// <summary>On start: a segment left open by a crash keeps its whole records and is sealed; byte count rebuilt.</summary>
    private void Recover()
    {
        foreach (var open in System.IO.Directory.GetFiles(Directory, "*" + OpenSuffix))
        {
            var (records, validLength) = SegmentFormat.Read(open);
            if (records.Count == 0)
            {
                File.Delete(open);
                continue;
            }

            using (var file = new FileStream(open, FileMode.Open, FileAccess.Write))
            {
                file.SetLength(validLength);
                file.Flush(flushToDisk: true);
            }

            File.Move(open, Path.ChangeExtension(open, ReadySuffix));
            _logger.LogInformation("Recovered {Count} events from spool segment {Segment}", records.Count, Path.GetFileName(open));
        }

        _bytes = System.IO.Directory.GetFiles(Directory, "*" + ReadySuffix).Sum(f => new FileInfo(f).Length);
    }

    private bool DiskNearlyFull()
    {
        var now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _freeDiskCheckedAt) > 500)
        {
            Interlocked.Exchange(ref _freeDiskCheckedAt, now);
            try
            {
                _diskNearlyFull = new DriveInfo(Directory).AvailableFreeSpace < _options.MinFreeDiskBytes;
            }
            catch (IOException)
            {
                _diskNearlyFull = false;
            }
        }

        return _diskNearlyFull;
    }

    private sealed record Pending(byte[] Payload, TaskCompletionSource Done);
}

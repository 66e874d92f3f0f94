using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using Analytics.Storage.Hosting;
using Microsoft.Extensions.Logging;

namespace Analytics.Ingest.Spool;

/// <summary>
/// The durable queue between the collect endpoint and ClickHouse. An event is acknowledged (202) only after the sync
/// that covers it: appends are group-committed by one writer loop, so many requests share one sync. Segments are
/// prepared ahead, in the background (<c>*.spare</c>: written with zeros to <see cref="SpoolOptions.SegmentBytes"/> and
/// synced, name included), so the writer overwrites data inside a file whose size is already on disk and syncs with
/// <c>fdatasync</c>, which then waits for no journal commit (on ext4 a commit also writes out other files' data, such as
/// ClickHouse's merges: an appending fsync measured 12 ms at p99 beside them, an overwriting fdatasync 0.26 ms). The
/// active segment (<c>*.open</c>) is sealed into <c>*.ready</c>, cut to its records, after
/// <see cref="SpoolOptions.SealAfterMs"/>, <see cref="SpoolOptions.SegmentMaxEvents"/> or when full. The <see cref="SpoolBatcher"/> inserts sealed segments in batches: a
/// batch is fixed on disk (a <c>*.batch</c> file naming its segments) before its first insert, so after a crash it is
/// inserted again as the same group under the same deduplication token, and its segments are deleted only once
/// ClickHouse has confirmed. Segment names are unique forever (time + random) because a batch's token is its first
/// segment's name: a reused name inside ClickHouse's deduplication window would drop new data silently. Names are
/// made durable too (the directory is fsynced after a segment is created, a batch fixed, a batch's segments deleted),
/// so a power loss, not only a crash, keeps every acknowledged event and every batch's grouping.
/// </summary>
internal sealed class EventSpool : IAsyncDisposable
{
    private const string SpareSuffix = ".spare";
    private const string OpenSuffix = ".open";
    private const string ReadySuffix = ".ready";
    private const string RejectedSuffix = ".rejected";
    private const string BatchSuffix = ".batch";

    /// <summary>A new batch takes sealed segments up to this many bytes (one insert; a backlog drains in few of them).</summary>
    public const long MaxBatchBytes = 32L << 20;

    private static readonly byte[] Zeros = new byte[1 << 20];

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
    private long _activeCapacity;
    private long _activeOpenedAt;
    private int _refusedSince;
    private Task<string> _spare;

    public EventSpool(SpoolOptions options, string directory, IngestMetrics metrics, ILogger<EventSpool> logger)
    {
        _options = options;
        _metrics = metrics;
        _logger = logger;
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        metrics.ObserveSpool(() => Bytes, () => ReadySegments().Count);
        Recover();
        _spare = Task.Run(PrepareSpare);
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

    /// <summary>
    /// Batches fixed earlier and not yet completed, oldest first: an insert of them may have failed or been cut short
    /// by a crash, so they must be inserted again exactly as they were (same segments, same token). Segments already
    /// deleted (a crash while completing) are left out; ClickHouse drops the rest as already inserted.
    /// </summary>
    public IReadOnlyList<SpoolBatch> FixedBatches()
        => System.IO.Directory.GetFiles(Directory, "*" + BatchSuffix).Order(StringComparer.Ordinal)
            .Select(manifest => new SpoolBatch(
                manifest,
                Path.GetFileNameWithoutExtension(manifest),
                File.ReadAllLines(manifest).Where(name => name.Length > 0).Select(name => Path.Combine(Directory, name)).Where(File.Exists).ToList()))
            .ToList();

    /// <summary>
    /// Groups the sealed segments that are in no batch yet into new batches of up to <see cref="MaxBatchBytes"/>,
    /// oldest first, and fixes each on disk (written, fsynced, renamed into place) before returning it. A batch is one
    /// insert, so its segments share one format (<see cref="SegmentFormat"/>: the same columns, or JSON lines).
    /// </summary>
    public IReadOnlyList<SpoolBatch> NewBatches()
    {
        var taken = System.IO.Directory.GetFiles(Directory, "*" + BatchSuffix)
            .SelectMany(File.ReadAllLines).Where(name => name.Length > 0).ToHashSet(StringComparer.Ordinal);
        var batches = new List<SpoolBatch>();
        var group = new List<string>();
        var bytes = 0L;
        byte[]? format = null;
        foreach (var segment in ReadySegments().Where(s => !taken.Contains(Path.GetFileName(s))))
        {
            var size = new FileInfo(segment).Length;
            var columns = SegmentFormat.ReadColumns(segment);
            if (group.Count > 0 && (bytes + size > MaxBatchBytes || !SameFormat(columns, format)))
            {
                batches.Add(Fix(group));
                group = [];
                bytes = 0;
            }

            group.Add(segment);
            bytes += size;
            format = columns;
        }

        if (group.Count > 0)
        {
            batches.Add(Fix(group));
        }

        return batches;
    }

    /// <summary>
    /// Removes a batch ClickHouse has confirmed: its segments first (durably: were the file that fixed it gone and a
    /// segment back after a power loss, it would go in again in a new batch under a new token), then that file.
    /// </summary>
    public void Complete(SpoolBatch batch)
    {
        foreach (var segment in batch.Segments)
        {
            var size = new FileInfo(segment).Length;
            File.Delete(segment);
            Interlocked.Add(ref _bytes, -size);
        }

        Posix.SyncDirectory(Directory);
        File.Delete(batch.Manifest);
    }

    /// <summary>Sets aside a batch ClickHouse refuses as data (never retried; its segments are kept for an operator to inspect).</summary>
    public void Reject(SpoolBatch batch)
    {
        foreach (var segment in batch.Segments)
        {
            var size = new FileInfo(segment).Length;
            File.Move(segment, Path.ChangeExtension(segment, RejectedSuffix));
            Interlocked.Add(ref _bytes, -size);
        }

        Posix.SyncDirectory(Directory);
        File.Delete(batch.Manifest);
    }

    private static bool SameFormat(byte[]? columns, byte[]? others)
        => columns is null ? others is null : others is not null && columns.AsSpan().SequenceEqual(others);

    private SpoolBatch Fix(List<string> segments)
    {
        var token = Path.GetFileNameWithoutExtension(segments[0]);
        var manifest = Path.Combine(Directory, token + BatchSuffix);
        var temporary = manifest + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            file.Write(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', segments.Select(Path.GetFileName)) + "\n"));
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, manifest, overwrite: true);
        Posix.SyncDirectory(Directory); // the batch file, and the sealed names it lists, before any insert under its token
        return new SpoolBatch(manifest, token, segments);
    }

    /// <summary>Stops accepting, writes what was accepted, and seals the active segment. Safe to call more than once.</summary>
    public async Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
        try
        {
            File.Delete(await _spare); // unused: nothing in it
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // a spare that could not be made, or removed, is empty: the next start deletes what is left
        }
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
                    SealOrAbandon(); // nothing arrived for a while: make what is there visible
                    continue;
                }
            }

            if (!more)
            {
                SealOrAbandon();
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
                SealOrAbandon();
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
                if (_active is not null && _active.Position + SegmentFormat.HeaderSize + pending.Payload.Length > _options.SegmentBytes && _activeCount > 0)
                {
                    Sync(written); // full: sealed with its records acknowledged
                    written.Clear();
                    Seal();
                }

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
            _metrics.RecordSpoolWrite(Stopwatch.GetElapsedTime(start));
        }
        catch (IOException e)
        {
            foreach (var pending in group.Where(p => !p.Done.Task.IsCompleted))
            {
                pending.Done.TrySetException(new SpoolFullException($"The spool could not write: {e.Message}"));
            }

            if (_refusedSince++ == 0)
            {
                _logger.LogError(e, "Writing to the spool failed; events are refused (503) until it writes again");
            }

            _metrics.RecordSpoolWriteFailure();
            Abandon();
            return;
        }

        if (_refusedSince > 0)
        {
            _logger.LogInformation("The spool writes again after {Failures} failed writes", _refusedSince);
            _refusedSince = 0;
        }
    }

    /// <summary>Seals the active segment; if that fails, keeps its acknowledged prefix as <see cref="Abandon"/> does.</summary>
    private void SealOrAbandon()
    {
        try
        {
            Seal();
        }
        catch (IOException e)
        {
            _logger.LogError(e, "Sealing the spool's active segment failed");
            Abandon();
        }
    }

    private void Sync(List<Pending> written)
    {
        if (written.Count == 0)
        {
            return;
        }

        _active!.Flush();
        var length = _active.Position;
        if (length <= _activeCapacity)
        {
            Posix.SyncData(_active.SafeFileHandle); // inside the prepared size: data only
        }
        else
        {
            _active.Flush(flushToDisk: true); // grown past it (a nearly full disk, a record larger than a segment): the size too
        }

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

        string spare;
        try
        {
            spare = _spare.GetAwaiter().GetResult(); // ready long before, unless segments fill faster than zeros are written
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _spare = Task.Run(PrepareSpare); // the next write tries again
            throw new IOException($"Preparing a segment failed: {e.Message}", e);
        }

        // The next one is prepared from now on, whatever happens to this one (were it gone, a write fails once, not forever).
        _spare = Task.Run(PrepareSpare);

        // Its name is durable as a spare; after a crash a spare with records is recovered as an open segment is, so
        // the rename needs no sync of the directory.
        _activeName = Path.GetFileNameWithoutExtension(spare);
        var open = Path.Combine(Directory, _activeName + OpenSuffix);
        File.Move(spare, open);
        _active = new FileStream(open, FileMode.Open, FileAccess.Write, FileShare.Read, 1 << 16);
        _activeCapacity = _active.Length;
        _activeCount = 0;
        _activeValidLength = 0;
        _activeOpenedAt = Stopwatch.GetTimestamp();
        SegmentFormat.Write(_active, SegmentFormat.CurrentHeader); // synced with the first events
    }

    private void Seal()
    {
        if (_active is null)
        {
            return;
        }

        _active.Flush();
        if (_activeValidLength < _active.Length)
        {
            // Cut to its records (the zeros left read as the end anyway, so this needs no sync).
            _active.SetLength(_activeValidLength);
        }

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

    /// <summary>
    /// A segment to write next: named now (unique and later than every segment before it), written with zeros to its
    /// size, then synced with its name, so that writing events into it changes no metadata. On a nearly full disk it
    /// is smaller (at most half the free space above <see cref="SpoolOptions.MinFreeDiskBytes"/>, and it does not fail
    /// for want of space): events past its size grow the file, with a full sync each.
    /// </summary>
    private string PrepareSpare()
    {
        var path = Path.Combine(Directory, $"{DateTime.UtcNow.Ticks:D19}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}{SpareSuffix}");
        try
        {
            // At most half the space above the reserve: the batch files and the segments being written need the rest.
            var size = Math.Clamp((FreeDiskBytes() - _options.MinFreeDiskBytes) / 2, 0, _options.SegmentBytes);
            using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0))
            {
                try
                {
                    for (var left = size; left > 0; left -= Zeros.Length)
                    {
                        file.Write(Zeros, 0, (int)Math.Min(left, Zeros.Length));
                    }
                }
                catch (IOException)
                {
                    // the disk filled up meanwhile: what was written is the prepared size
                }

                file.Flush(flushToDisk: true);
            }

            Posix.SyncDirectory(Directory);
            return path;
        }
        catch
        {
            File.Delete(path);
            throw;
        }
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

    /// <summary>
    /// On start: a segment left open by a crash keeps its whole records and is sealed; a batch file a crash cut short
    /// never fixed anything (its segments were not inserted under it) and is removed; byte count rebuilt.
    /// </summary>
    private void Recover()
    {
        foreach (var torn in System.IO.Directory.GetFiles(Directory, "*" + BatchSuffix + ".tmp"))
        {
            File.Delete(torn);
        }

        // A spare is recovered like an open segment: events may have been written to it under its old name.
        foreach (var open in System.IO.Directory.GetFiles(Directory, "*" + OpenSuffix).Concat(System.IO.Directory.GetFiles(Directory, "*" + SpareSuffix)))
        {
            var (_, records, validLength) = SegmentFormat.Read(open);
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
            _diskNearlyFull = FreeDiskBytes() < _options.MinFreeDiskBytes;
        }

        return _diskNearlyFull;
    }

    /// <summary>The free space of the spool's disk (unlimited when it cannot be told: the writes will say).</summary>
    private long FreeDiskBytes()
    {
        try
        {
            return new DriveInfo(Directory).AvailableFreeSpace;
        }
        catch (IOException)
        {
            return long.MaxValue;
        }
    }

    private sealed record Pending(byte[] Payload, TaskCompletionSource Done);
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Analytics.Ingest;

/// <summary>
/// Collect's counters, served in Prometheus text format at <c>/metrics</c>: events accepted and dropped (by reason),
/// spool writes and their fsync latency, batches inserted with their size and latency, insert failures, spool depth.
/// </summary>
internal sealed class IngestMetrics
{
    private readonly ConcurrentDictionary<string, long> _dropped = new(StringComparer.Ordinal);
    private long _accepted;
    private long _spoolWrites;
    private long _spoolWriteMicros;
    private long _batches;
    private long _batchEvents;
    private long _batchMicros;
    private long _lastBatchEvents;
    private long _insertFailures;
    private long _rejectedEvents;
    private long _refusedFull;
    private long _spoolWriteFailures;
    private long _rateLimited;

    public long Accepted => Interlocked.Read(ref _accepted);

    public long Dropped(string reason) => _dropped.GetValueOrDefault(reason);

    public void RecordAccepted(int count = 1) => Interlocked.Add(ref _accepted, count);

    public void RecordDropped(string reason) => _dropped.AddOrUpdate(reason, 1, (_, n) => n + 1);

    public void RecordRefusedFull() => Interlocked.Increment(ref _refusedFull);

    public void RecordRateLimited() => Interlocked.Increment(ref _rateLimited);

    public void RecordSpoolWrite(int events, TimeSpan latency)
    {
        Interlocked.Increment(ref _spoolWrites);
        Interlocked.Add(ref _spoolWriteMicros, (long)latency.TotalMicroseconds);
    }

    /// <summary>A group commit that failed (e.g. the disk is full); its events were refused.</summary>
    public void RecordSpoolWriteFailure() => Interlocked.Increment(ref _spoolWriteFailures);

    public void RecordBatch(int events, TimeSpan latency)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _batchEvents, events);
        Interlocked.Add(ref _batchMicros, (long)latency.TotalMicroseconds);
        Interlocked.Exchange(ref _lastBatchEvents, events);
    }

    public void RecordInsertFailure() => Interlocked.Increment(ref _insertFailures);

    public void RecordRejected(int events) => Interlocked.Add(ref _rejectedEvents, events);

    public string ToPrometheus(long spoolBytes, int spoolSegments)
    {
        var text = new StringBuilder();
        void Metric(string name, string type, string help, long value, string labels = "")
        {
            text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{name}{labels} {value}\n");
        }

        Metric("analytics_events_accepted_total", "counter", "Events acknowledged with 202 (on disk).", Accepted);
        text.Append("# HELP analytics_events_dropped_total Events answered 202 but dropped on purpose, by reason.\n# TYPE analytics_events_dropped_total counter\n");
        foreach (var (reason, count) in _dropped.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"analytics_events_dropped_total{{reason=\"{reason}\"}} {count}\n");
        }

        Metric("analytics_events_refused_full_total", "counter", "Events refused with 503 because the spool or disk was full.", Interlocked.Read(ref _refusedFull));
        Metric("analytics_events_rate_limited_total", "counter", "Requests refused with 429: a client address or a property above its rate limit.", Interlocked.Read(ref _rateLimited));
        Metric("analytics_spool_writes_total", "counter", "Group commits (one fsync each).", Interlocked.Read(ref _spoolWrites));
        Metric("analytics_spool_write_seconds_micros_total", "counter", "Time spent writing and fsyncing the spool, in microseconds.", Interlocked.Read(ref _spoolWriteMicros));
        Metric("analytics_spool_write_failures_total", "counter", "Group commits that failed (e.g. a full disk); their events were refused with 503.", Interlocked.Read(ref _spoolWriteFailures));
        Metric("analytics_spool_bytes", "gauge", "Bytes of events waiting in the spool.", spoolBytes);
        Metric("analytics_spool_segments", "gauge", "Sealed segments waiting for ClickHouse.", spoolSegments);
        Metric("analytics_batches_total", "counter", "Batches inserted into ClickHouse.", Interlocked.Read(ref _batches));
        Metric("analytics_batch_events_total", "counter", "Events inserted into ClickHouse.", Interlocked.Read(ref _batchEvents));
        Metric("analytics_batch_last_size", "gauge", "Events in the last batch inserted.", Interlocked.Read(ref _lastBatchEvents));
        Metric("analytics_batch_flush_micros_total", "counter", "Time spent inserting batches, in microseconds.", Interlocked.Read(ref _batchMicros));
        Metric("analytics_insert_failures_total", "counter", "Batch inserts that failed and will be retried.", Interlocked.Read(ref _insertFailures));
        Metric("analytics_events_rejected_total", "counter", "Events in segments ClickHouse refused as malformed.", Interlocked.Read(ref _rejectedEvents));
        return text.ToString();
    }
}

using System.Diagnostics.Metrics;

namespace Analytics.Ingest;

/// <summary>
/// Collect's instruments (meter <c>Analytics.Ingest</c>), served in Prometheus text format at <c>/metrics</c> by
/// OpenTelemetry's exporter, which names them: dots become underscores, counters end in <c>_total</c>, histograms in
/// seconds end in <c>_seconds</c> (docs/ingest.md lists them). Events accepted and dropped (by reason), refused, spool
/// writes and their latency, batches with their size and latency, insert failures, spool depth.
/// </summary>
internal sealed class IngestMetrics
{
    public const string MeterName = "Analytics.Ingest";

    private readonly Counter<long> _accepted;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _refusedFull;
    private readonly Counter<long> _rateLimited;
    private readonly Histogram<double> _spoolWrite;
    private readonly Counter<long> _spoolWriteFailures;
    private readonly Histogram<double> _flushDuration;
    private readonly Histogram<double> _batchDuration;
    private readonly Histogram<long> _batchEvents;
    private readonly Counter<long> _insertFailures;
    private readonly Counter<long> _rejected;
    private readonly Meter _meter;

    public IngestMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _accepted = _meter.CreateCounter<long>("analytics.events.accepted", "{event}", "Events acknowledged with 202 (on disk).");
        _dropped = _meter.CreateCounter<long>("analytics.events.dropped", "{event}", "Events answered 202 but dropped on purpose, by reason.");
        _refusedFull = _meter.CreateCounter<long>("analytics.events.refused_full", "{event}", "Events refused with 503 because the spool or disk was full.");
        _rateLimited = _meter.CreateCounter<long>("analytics.events.rate_limited", "{request}", "Requests refused with 429: a client address or a property above its rate limit.");
        _spoolWrite = _meter.CreateHistogram<double>("analytics.spool.write.duration", "s", "Group commits (one fsync each) and the time they took.");
        _spoolWriteFailures = _meter.CreateCounter<long>("analytics.spool.write_failures", "{commit}", "Group commits that failed (e.g. a full disk); their events were refused with 503.");
        _flushDuration = _meter.CreateHistogram<double>("analytics.clickhouse.flush.duration", "s", "Flushes of the embedded ClickHouse's files to disk (one syncfs after each batch) and the time they took.");
        _batchDuration = _meter.CreateHistogram<double>("analytics.batch.duration", "s", "Batches inserted into ClickHouse and the time they took.");
        _batchEvents = _meter.CreateHistogram<long>("analytics.batch.events", "{event}", "Events per batch inserted into ClickHouse (the sum: all events inserted).");
        _insertFailures = _meter.CreateCounter<long>("analytics.insert.failures", "{batch}", "Batch inserts that failed and will be retried.");
        _rejected = _meter.CreateCounter<long>("analytics.events.rejected", "{event}", "Events in segments ClickHouse refused as malformed.");
    }

    /// <summary>The spool's depth, read when the metrics are collected.</summary>
    public void ObserveSpool(Func<long> bytes, Func<int> segments)
    {
        _meter.CreateObservableGauge("analytics.spool.bytes", bytes, "By", "Bytes of events waiting in the spool.");
        _meter.CreateObservableGauge("analytics.spool.segments", segments, "{segment}", "Sealed segments waiting for ClickHouse.");
    }

    public void RecordAccepted(int count = 1) => _accepted.Add(count);

    public void RecordDropped(string reason) => _dropped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void RecordRefusedFull() => _refusedFull.Add(1);

    public void RecordRateLimited() => _rateLimited.Add(1);

    public void RecordSpoolWrite(TimeSpan latency) => _spoolWrite.Record(latency.TotalSeconds);

    /// <summary>A group commit that failed (e.g. the disk is full); its events were refused.</summary>
    public void RecordSpoolWriteFailure() => _spoolWriteFailures.Add(1);

    public void RecordFlush(TimeSpan latency) => _flushDuration.Record(latency.TotalSeconds);

    public void RecordBatch(int events, TimeSpan latency)
    {
        _batchDuration.Record(latency.TotalSeconds);
        _batchEvents.Record(events);
    }

    public void RecordInsertFailure() => _insertFailures.Add(1);

    public void RecordRejected(int events) => _rejected.Add(events);
}

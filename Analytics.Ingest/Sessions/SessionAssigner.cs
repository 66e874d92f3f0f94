using Analytics.Storage.ClickHouse;
using Analytics.Ingest.Events;
using Analytics.Ingest.Visitors;
using Microsoft.Extensions.Logging;

namespace Analytics.Ingest.Sessions;

/// <summary>
/// Assigns sessions at collect time (30 minutes of inactivity opens a new one; an engagement event never does), for
/// one collect process. A session open before midnight UTC continues under yesterday's visitor id, because the salt
/// changed at midnight and today's id would look like a new visitor. After a restart, the sessions of the last 30
/// minutes are rebuilt from ClickHouse. Memory holds one small entry per visitor active in the last 30 minutes.
/// </summary>
internal sealed partial class SessionAssigner(TimeProvider clock, ILogger<SessionAssigner> logger)
{
    private readonly Lock _lock = new();
    private readonly SessionTracker _tracker = new();
    private DateTime _lastExpiry = DateTime.MinValue;

    public int ActiveSessions
    {
        get
        {
            lock (_lock)
            {
                return _tracker.Count;
            }
        }
    }

    /// <summary>
    /// Completes the event with its session (choosing which visitor id it carries) and hands it to <paramref name="write"/>,
    /// all under one lock: rows reach the spool in the order they were assigned, and when <paramref name="write"/>
    /// refuses the row (spool full), the visitor's session is put back as it was, so the session sums stay exact.
    /// Returns what <paramref name="write"/> returned, or null for an engagement event that belongs to no session.
    /// </summary>
    public Task? Assign(EventRow row, VisitorId visitor, Func<EventRow, Task> write)
    {
        lock (_lock)
        {
            if (row.Timestamp - _lastExpiry > TimeSpan.FromMinutes(1))
            {
                _tracker.Expire(row.Timestamp);
                _lastExpiry = row.Timestamp;
            }

            if (!_tracker.IsActive(row.PropertyId, row.VisitorId, row.Timestamp)
                && visitor.Previous() is { } previous && _tracker.IsActive(row.PropertyId, previous, row.Timestamp))
            {
                row = row with { VisitorId = previous };
            }

            var saved = _tracker.Save(row.PropertyId, row.VisitorId);
            if (_tracker.Assign(row) is not { } assigned)
            {
                return null;
            }

            try
            {
                return write(assigned);
            }
            catch
            {
                _tracker.Put(row.PropertyId, row.VisitorId, saved);
                throw;
            }
        }
    }

    /// <summary>Rebuilds the sessions active in the last 30 minutes (with their first events' attributes) from the events in ClickHouse.</summary>
    public async Task RecoverAsync(IClickHouse clickHouse, CancellationToken cancellationToken)
    {
        var since = clock.GetUtcNow().UtcDateTime - SessionTracker.Timeout;
        const string Active = """
            WITH active AS
            (
                SELECT session_id, min(session_start) AS started FROM events WHERE timestamp >= {since:DateTime64(3)} GROUP BY session_id
            )
            """;
        var rows = await clickHouse.QueryAsync<RecoveredSession>(
            Active + """
            SELECT session_id, max(timestamp) AS last_seen, maxIf(timestamp, name != 'engagement') AS last_counted,
                   toUInt32(countIf(name = 'pageview')) AS pageviews,
                   maxMapIf([pathname], [scroll_depth], name = 'engagement') AS scrolled, scrolled.1 AS scrolled_pages, scrolled.2 AS scrolled_depths
            FROM events
            WHERE session_id IN (SELECT session_id FROM active) AND timestamp >= (SELECT min(started) FROM active)
            GROUP BY session_id
            """, new { since }, cancellationToken: cancellationToken);
        var firsts = await clickHouse.QueryAsync<EventRow>(
            Active + """
            SELECT * FROM events
            WHERE session_first = 1 AND session_id IN (SELECT session_id FROM active) AND timestamp >= (SELECT min(started) FROM active)
            """, new { since }, cancellationToken: cancellationToken);
        var state = rows.ToDictionary(r => r.SessionId);
        lock (_lock)
        {
            foreach (var first in firsts)
            {
                if (state.TryGetValue(first.SessionId, out var s))
                {
                    _tracker.Restore(first, s.LastSeen, s.LastCounted, (int)s.Pageviews,
                        s.ScrolledPages.Zip(s.ScrolledDepths).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal));
                }
            }
        }

        LogRecovered(firsts.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovered {Count} active sessions from ClickHouse")]
    private partial void LogRecovered(int count);

    private sealed record RecoveredSession(ulong SessionId, DateTime LastSeen, DateTime LastCounted, uint Pageviews, List<string> ScrolledPages, List<byte> ScrolledDepths);
}

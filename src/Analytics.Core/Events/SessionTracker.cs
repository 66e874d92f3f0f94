namespace Analytics.Events;

/// <summary>
/// Assigns sessions and the session bookkeeping columns to a visitor's events, in timestamp order: 30 minutes of
/// inactivity opens a new session; an engagement event never opens one. The columns it fills let the materialized
/// views keep visits, bounces, duration, entries and exits with plain sums (docs/architecture.md).
/// </summary>
public sealed class SessionTracker(Func<ulong> newSessionId)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(30);

    private readonly Dictionary<(ulong Property, ulong Visitor), State> _sessions = [];

    /// <summary>The event with its session columns, or null for an engagement event outside any session.</summary>
    public EventRow? Assign(EventRow e)
    {
        var key = (e.PropertyId, e.VisitorId);
        var isPageview = e.Name == "pageview";
        if (!_sessions.TryGetValue(key, out var state) || e.Timestamp - state.Last > Timeout)
        {
            if (e.Name == "engagement")
            {
                return null;
            }

            state = new State(newSessionId(), e.Timestamp, e.Timestamp);
            _sessions[key] = state;
            return Apply(e, state, first: true, isPageview, duration: 0);
        }

        var delta = e.Timestamp > state.Last ? (uint)(e.Timestamp - state.Last).TotalMilliseconds : 0u;
        state.Last = e.Timestamp > state.Last ? e.Timestamp : state.Last;
        return Apply(e, state, first: false, isPageview, delta);
    }

    /// <summary>Forgets sessions idle for longer than the timeout as of <paramref name="now"/>.</summary>
    public void Expire(DateTime now)
    {
        foreach (var (key, state) in _sessions.Where(s => now - s.Value.Last > Timeout).ToList())
        {
            _sessions.Remove(key);
        }
    }

    private static EventRow Apply(EventRow e, State state, bool first, bool isPageview, uint duration)
    {
        sbyte bounce = 0;
        var previous = string.Empty;
        if (isPageview)
        {
            bounce = state.Pageviews switch { 0 => 1, 1 => -1, _ => 0 };
            previous = state.LastPathname;
            state.Pageviews++;
            state.LastPathname = e.Pathname;
        }

        return e with
        {
            SessionId = state.Id,
            SessionStart = state.Start,
            SessionFirst = first ? (byte)1 : (byte)0,
            BounceDelta = bounce,
            DurationDeltaMs = duration,
            PrevPathname = previous,
        };
    }

    private sealed class State(ulong id, DateTime start, DateTime last)
    {
        public ulong Id { get; } = id;

        public DateTime Start { get; } = start;

        public DateTime Last { get; set; } = last;

        public int Pageviews { get; set; }

        public string LastPathname { get; set; } = string.Empty;
    }
}

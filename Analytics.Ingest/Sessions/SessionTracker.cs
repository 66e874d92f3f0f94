using Analytics.Ingest.Events;

namespace Analytics.Ingest.Sessions;

/// <summary>
/// Assigns sessions and the session bookkeeping columns to a visitor's events, in timestamp order: 30 minutes of
/// inactivity opens a new session; an engagement event never opens one. The columns it fills let the materialized
/// views keep visits, bounces, duration and entries with plain sums (docs/architecture.md); engagement events
/// never lengthen a visit, and mark the first engagement of a visit on each page and the rise of its deepest scroll
/// there, so that time on page and scroll depth are sums too. Every event of a
/// session carries the session's attributes, taken from its first event (entry page, referrer and source, UTM tags,
/// location, client, screen, language), so a report can count events by visit:source or visit:entry_page without
/// rebuilding sessions, and the daily rollup can keep them. A session's id is its visitor and start
/// (<see cref="EventRow.SessionId"/>).
/// </summary>
internal sealed class SessionTracker
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

            state = new State(e.Timestamp, e.Timestamp, e) { Counted = e.Timestamp };
            _sessions[key] = state;
            return Apply(e, state, first: true, isPageview, duration: 0);
        }

        // The visit's duration runs from its first to its last event other than engagement (which reports on a page
        // after the fact); every event keeps it open.
        var delta = 0u;
        if (e.Name != "engagement" && e.Timestamp > state.Counted)
        {
            delta = (uint)(Milliseconds(e.Timestamp) - Milliseconds(state.Counted)); // as stored (DateTime64(3)): the deltas sum to last - first exactly
            state.Counted = e.Timestamp;
        }

        state.Last = e.Timestamp > state.Last ? e.Timestamp : state.Last;
        return Apply(e, state, first: false, isPageview, delta);
    }

    /// <summary>Sessions held now (one per visitor at most).</summary>
    public int Count => _sessions.Count;

    /// <summary>True when the visitor has a session that has not timed out at <paramref name="now"/>.</summary>
    public bool IsActive(ulong propertyId, ulong visitorId, DateTime now)
        => _sessions.TryGetValue((propertyId, visitorId), out var state) && now - state.Last <= Timeout;

    /// <summary>Puts back a session known from stored events (after a restart), unless a newer one is held.</summary>
    /// <param name="first">The session's first event, whose attributes the session's later events carry.</param>
    /// <param name="last">Its last event; <paramref name="counted"/> its last event other than engagement.</param>
    /// <param name="scrolled">The deepest scroll of each page it has engagement on.</param>
    public void Restore(EventRow first, DateTime last, DateTime counted, int pageviews, IReadOnlyDictionary<string, byte> scrolled)
    {
        var key = (first.PropertyId, first.VisitorId);
        if (_sessions.TryGetValue(key, out var held) && held.Last >= last)
        {
            return;
        }

        _sessions[key] = new State(first.SessionStart, last, first)
        {
            Counted = counted, Pageviews = pageviews, Scrolled = new Dictionary<string, byte>(scrolled, StringComparer.Ordinal),
        };
    }

    /// <summary>A copy of the visitor's session state, to put back with <see cref="Put"/> if an event is not kept after all.</summary>
    public object? Save(ulong propertyId, ulong visitorId)
        => _sessions.TryGetValue((propertyId, visitorId), out var state)
            ? new State(state.Start, state.Last, state.First)
            {
                Counted = state.Counted, Pageviews = state.Pageviews, Scrolled = state.Scrolled is null ? null : new(state.Scrolled, StringComparer.Ordinal),
            }
            : null;

    /// <summary>Puts back what <see cref="Save"/> returned (null: the visitor had no session).</summary>
    public void Put(ulong propertyId, ulong visitorId, object? saved)
    {
        if (saved is State state)
        {
            _sessions[(propertyId, visitorId)] = state;
        }
        else
        {
            _sessions.Remove((propertyId, visitorId));
        }
    }

    /// <summary>Forgets sessions idle for longer than the timeout as of <paramref name="now"/>.</summary>
    public void Expire(DateTime now)
    {
        foreach (var (key, state) in _sessions.Where(s => now - s.Value.Last > Timeout).ToList())
        {
            _sessions.Remove(key);
        }
    }

    private static long Milliseconds(DateTime time) => time.Ticks / TimeSpan.TicksPerMillisecond;

    private static EventRow Apply(EventRow e, State state, bool first, bool isPageview, uint duration)
    {
        sbyte bounce = 0;
        if (isPageview)
        {
            bounce = state.Pageviews switch { 0 => 1, 1 => -1, _ => 0 };
            state.Pageviews++;
        }

        byte engagedFirst = 0, scrollGain = 0;
        if (e.Name == "engagement")
        {
            state.Scrolled ??= new(StringComparer.Ordinal);
            var seen = state.Scrolled.TryGetValue(e.Pathname, out var deepest);
            engagedFirst = seen ? (byte)0 : (byte)1;
            scrollGain = e.ScrollDepth > deepest ? (byte)(e.ScrollDepth - deepest) : (byte)0;
            state.Scrolled[e.Pathname] = Math.Max(deepest, e.ScrollDepth);
        }

        return e with
        {
            EntryPage = state.First.Pathname,
            Referrer = state.First.Referrer,
            ReferrerSource = state.First.ReferrerSource,
            UtmSource = state.First.UtmSource,
            UtmMedium = state.First.UtmMedium,
            UtmCampaign = state.First.UtmCampaign,
            UtmContent = state.First.UtmContent,
            UtmTerm = state.First.UtmTerm,
            ClickIdParam = state.First.ClickIdParam,
            Channel = state.First.Channel,
            CountryCode = state.First.CountryCode,
            Region = state.First.Region,
            City = state.First.City,
            Browser = state.First.Browser,
            BrowserVersion = state.First.BrowserVersion,
            Os = state.First.Os,
            OsVersion = state.First.OsVersion,
            DeviceType = state.First.DeviceType,
            ScreenSize = state.First.ScreenSize,
            Locale = state.First.Locale,
            SessionStart = state.Start,
            SessionFirst = first ? (byte)1 : (byte)0,
            BounceDelta = bounce,
            DurationDeltaMs = duration,
            EngagedFirst = engagedFirst,
            ScrollGain = scrollGain,
        };
    }

    private sealed class State(DateTime start, DateTime last, EventRow first)
    {
        public EventRow First { get; } = first;

        public DateTime Start { get; } = start;

        public DateTime Last { get; set; } = last;

        /// <summary>The last event that counts toward the duration (any but engagement).</summary>
        public DateTime Counted { get; set; }

        /// <summary>The deepest scroll reported on each page of the visit (null until its first engagement).</summary>
        public Dictionary<string, byte>? Scrolled { get; set; }

        public int Pageviews { get; set; }
    }
}

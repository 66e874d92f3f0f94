using Analytics.Ingest.Events;
using Analytics.Ingest.Sessions;
using Analytics.Ingest.Visitors;
using Microsoft.Extensions.Logging.Abstractions;

namespace Analytics.Tests.Ingest;

public sealed class SessionAssignerTests
{
    private static readonly byte[] Yesterday = Enumerable.Repeat((byte)1, 32).ToArray();
    private static readonly byte[] Today = Enumerable.Repeat((byte)2, 32).ToArray();

    private static EventRow Pageview(DateTime at, ulong visitor, string path) => new()
    {
        PropertyId = 7, Timestamp = at, Name = "pageview", VisitorId = visitor, Pathname = path,
    };

    [Fact]
    public void VisitRunningPastMidnight_KeepsYesterdaysVisitorAndSession()
    {
        var assigner = new SessionAssigner(TimeProvider.System, NullLogger<SessionAssigner>.Instance);
        var stored = new List<EventRow>();
        Task Keep(EventRow row)
        {
            stored.Add(row);
            return Task.CompletedTask;
        }

        var before = VisitorIds.Hash(Yesterday, 7, "203.0.113.9", "agent");
        assigner.Assign(Pageview(new DateTime(2026, 11, 21, 23, 50, 0, DateTimeKind.Utc), before, "/a"), new VisitorId(before, null, 7, "203.0.113.9", "agent"), Keep);
        var after = new VisitorId(VisitorIds.Hash(Today, 7, "203.0.113.9", "agent"), Yesterday, 7, "203.0.113.9", "agent");
        assigner.Assign(Pageview(new DateTime(2026, 11, 22, 0, 5, 0, DateTimeKind.Utc), after.Current, "/b"), after, Keep);

        Assert.Equal(before, stored[1].VisitorId);
        Assert.Equal(stored[0].SessionId, stored[1].SessionId);
        Assert.Equal((0, -1, "/a"), (stored[1].SessionFirst, stored[1].BounceDelta, stored[1].PrevPathname));

        // Someone with no visit before midnight keeps today's id and opens a session.
        var stranger = new VisitorId(VisitorIds.Hash(Today, 7, "198.51.100.1", "agent"), Yesterday, 7, "198.51.100.1", "agent");
        assigner.Assign(Pageview(new DateTime(2026, 11, 22, 0, 6, 0, DateTimeKind.Utc), stranger.Current, "/"), stranger, Keep);
        Assert.Equal((stranger.Current, (byte)1), (stored[2].VisitorId, stored[2].SessionFirst));
    }

    [Fact]
    public void LaterEventsOfASession_CarryTheFirstEventsAttributes_ANewSessionTakesItsOwn()
    {
        var tracker = new SessionTracker(e => (ulong)e.Timestamp.Ticks);
        var start = new DateTime(2026, 11, 22, 9, 0, 0, DateTimeKind.Utc);
        EventRow Event(int minutes, string name, string source, string country, string screen) => Pageview(start.AddMinutes(minutes), 1, "/") with
        {
            Name = name, Referrer = $"https://{source}/", ReferrerSource = source, UtmSource = source, CountryCode = country, ScreenSize = screen, Pathname = "/" + minutes,
        };

        var first = tracker.Assign(Event(0, "pageview", "Google", "DE", "Desktop"))!;
        var later = tracker.Assign(Event(10, "Signup", "Bing", "FR", "Mobile"))!;
        var next = tracker.Assign(Event(70, "pageview", "Bing", "FR", "Mobile"))!; // after 30 idle minutes: a new session

        Assert.Equal(("https://Google/", "Google", "Google", "DE", "Desktop"), (later.Referrer, later.ReferrerSource, later.UtmSource, later.CountryCode, later.ScreenSize));
        Assert.Equal(("/10", "Signup"), (later.Pathname, later.Name)); // the event's own columns stay its own
        Assert.Equal(first.SessionId, later.SessionId);
        Assert.NotEqual(first.SessionId, next.SessionId);
        Assert.Equal(("Bing", "FR", "Mobile"), (next.ReferrerSource, next.CountryCode, next.ScreenSize));
    }
}

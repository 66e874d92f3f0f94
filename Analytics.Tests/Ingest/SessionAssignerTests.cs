using Analytics.Ingest.Events;
using Analytics.Ingest.Sessions;
using Analytics.Ingest.Visitors;
using Microsoft.Extensions.Logging.Abstractions;

using NodaTime;

namespace Analytics.Tests.Ingest;

public sealed class SessionAssignerTests(Analytics.Tests.Infrastructure.Engines engines)
{
    private static readonly byte[] Yesterday = Enumerable.Repeat((byte)1, 32).ToArray();
    private static readonly byte[] Today = Enumerable.Repeat((byte)2, 32).ToArray();

    private static EventRow Pageview(DateTime at, ulong visitor, string path) => new()
    {
        PropertyId = 7, DayZone = DateTimeZone.Utc, Timestamp = at, Name = "pageview", VisitorId = visitor, Pathname = path,
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
        Assert.Equal((0, -1, "/a"), (stored[1].SessionFirst, stored[1].BounceDelta, stored[1].EntryPage));

        // Someone with no visit before midnight keeps today's id and opens a session.
        var stranger = new VisitorId(VisitorIds.Hash(Today, 7, "198.51.100.1", "agent"), Yesterday, 7, "198.51.100.1", "agent");
        assigner.Assign(Pageview(new DateTime(2026, 11, 22, 0, 6, 0, DateTimeKind.Utc), stranger.Current, "/"), stranger, Keep);
        Assert.Equal((stranger.Current, (byte)1), (stored[2].VisitorId, stored[2].SessionFirst));
    }

    [Fact]
    public void LaterEventsOfASession_CarryTheFirstEventsAttributes_ANewSessionTakesItsOwn()
    {
        var tracker = new SessionTracker();
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

    [Fact]
    public async Task Engagement_NeverLengthensAVisit_MarksItsFirstOnEachPage_AndIsRememberedAcrossARestart()
    {
        var now = DateTime.UtcNow;
        var tracker = new SessionTracker();
        EventRow At(int seconds, string name, string path, byte scroll = 0) => Pageview(now.AddMinutes(-10).AddSeconds(seconds), 1, path) with { Name = name, ScrollDepth = scroll };
        var stored = new List<EventRow>
        {
            tracker.Assign(At(0, "pageview", "/a"))!,
            tracker.Assign(At(60, "engagement", "/a", 40))!,
            tracker.Assign(At(90, "pageview", "/b"))!,
            tracker.Assign(At(120, "engagement", "/a", 30))!,
        };
        Assert.Equal([0u, 0u, 90_000u, 0u], stored.Select(e => e.DurationDeltaMs)); // the pageview counts from the last pageview, not the engagement
        Assert.Equal([0, 1, 0, 0], stored.Select(e => (int)e.EngagedFirst));
        Assert.Equal([0, 40, 0, 0], stored.Select(e => (int)e.ScrollGain)); // 30% is not deeper than 40%

        // A restart: the session comes back from ClickHouse with its pages' deepest scrolls and its last counted event.
        var clickHouse = await engines.NewClickHouseAsync();
        await clickHouse.InsertAsync("events", Analytics.Storage.ClickHouse.ClickHouseJson.Encode(stored));
        var id = stored[0].SessionId;
        Assert.Equal([id.ToString(System.Globalization.CultureInfo.InvariantCulture)], (await clickHouse.QueryAsync<Id>("SELECT DISTINCT toString(session_id) AS value FROM events")).Select(r => r.Value)); // the table derives the id as collect does
        var assigner = new SessionAssigner(TimeProvider.System, NullLogger<SessionAssigner>.Instance);
        await assigner.RecoverAsync(clickHouse, CancellationToken.None);
        var after = new List<EventRow>();
        Task Keep(EventRow row)
        {
            after.Add(row);
            return Task.CompletedTask;
        }

        var visitor = new VisitorId(1, null, 7, "203.0.113.9", "agent");
        await assigner.Assign(At(150, "engagement", "/a", 70), visitor, Keep)!;
        await assigner.Assign(At(160, "engagement", "/b", 50), visitor, Keep)!;
        await assigner.Assign(At(200, "pageview", "/c"), visitor, Keep)!;
        Assert.Equal([(0, 30, 0u), (1, 50, 0u), (0, 0, 110_000u)], after.Select(e => ((int)e.EngagedFirst, (int)e.ScrollGain, e.DurationDeltaMs)));
        Assert.All(after, e => Assert.Equal(id, e.SessionId));
    }

    private sealed record Id(string Value);
}

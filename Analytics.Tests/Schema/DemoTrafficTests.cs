using Analytics.Storage.ClickHouse;
using Analytics.Ingest.Demo;
using NodaTime;

namespace Analytics.Tests.Schema;

public sealed class DemoTrafficTests
{
    private static readonly Instant From = Instant.FromUtc(2026, 3, 1, 0, 0);

    [Fact]
    public void Generate_SameSeed_SameEvents_OtherSeed_OtherEvents()
    {
        byte[] Run(int seed) => ClickHouseJson.Encode(new DemoTraffic(1, "a.example", "Europe/Berlin", seed) { DayZone = DateTimeZone.Utc }.Generate(From, From + Duration.FromDays(3)));

        Assert.Equal(Run(7), Run(7));
        Assert.NotEqual(Run(7), Run(8));
    }

    [Fact]
    public void Generate_LooksLikeTraffic_DiurnalSessionsEngagementAndCustomEvents()
    {
        var events = new DemoTraffic(1, "a.example", "Asia/Kolkata", 3) { DayZone = DateTimeZone.Utc }.Generate(From, From + Duration.FromDays(14)).ToList();
        var zone = DateTimeZoneProviders.Tzdb["Asia/Kolkata"];
        var byLocalHour = events.Where(e => e.SessionFirst == 1)
            .GroupBy(e => Instant.FromDateTimeUtc(DateTime.SpecifyKind(e.Timestamp, DateTimeKind.Utc)).InZone(zone).Hour)
            .ToDictionary(g => g.Key, g => g.Count());

        Assert.True(byLocalHour.GetValueOrDefault(15) > 2 * byLocalHour.GetValueOrDefault(3), "afternoons should be busier than nights");
        Assert.Contains(events, e => e.Name == "engagement" && e.EngagementMs > 0 && e.ScrollDepth > 0);
        Assert.Contains(events, e => e.Name == "Signup" && e.Props.ContainsKey("plan"));
        Assert.Contains(events, e => e.RevenueAmount > 0);
        Assert.Contains(events, e => e.UtmSource == "newsletter");
        var sessions = events.GroupBy(e => e.SessionId).ToList();
        Assert.Contains(sessions, s => s.Count(e => e.Name == "pageview") > 3);
        Assert.All(sessions, s => Assert.Equal(1, s.Sum(e => e.SessionFirst)));
        var views = events.Where(e => e.Name == "pageview").CountBy(e => e.Pathname).OrderByDescending(p => p.Value).ToList();
        Assert.Equal("/", views[0].Key);
        Assert.InRange(views.Count, 1_000, 12_020); // the long tail of a content site, not twenty pages
    }

    /// <summary>
    /// Visitor ids behave as collect's keyed hashes with a daily salt: a person who comes back the same day keeps the
    /// id, on another day has another, and the ids spread over all 64 bits.
    /// </summary>
    [Fact]
    public void Generate_VisitorIds_ChangeWithTheUtcDayOfTheSessionStart()
    {
        var events = new DemoTraffic(1, "a.example", "UTC", 9) { DayZone = DateTimeZone.Utc, VisitorPool = 300 }.Generate(From, From + Duration.FromDays(4)).ToList();
        var starts = events.Where(e => e.SessionFirst == 1).ToList();

        Assert.All(starts.GroupBy(e => e.VisitorId), id => Assert.Single(id.Select(e => e.Timestamp.Date).Distinct()));
        Assert.Contains(starts.GroupBy(e => e.VisitorId), id => id.Count() > 1); // back the same day, same id
        Assert.Equal(DemoTraffic.VisitorOn(7, new DateTime(2026, 3, 1, 23, 59, 0, DateTimeKind.Utc)), DemoTraffic.VisitorOn(7, new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc)));
        Assert.NotEqual(DemoTraffic.VisitorOn(7, new DateTime(2026, 3, 1, 23, 59, 0, DateTimeKind.Utc)), DemoTraffic.VisitorOn(7, new DateTime(2026, 3, 2, 0, 0, 0, DateTimeKind.Utc)));
        var halves = starts.Select(e => e.VisitorId).Distinct().CountBy(id => id >> 63).Select(h => h.Value).ToList();
        Assert.Equal(2, halves.Count);
        Assert.InRange((double)halves.Min() / halves.Max(), 0.7, 1.0);
    }

    [Fact]
    public void Generate_InFiveSecondWindows_StillProducesItsDailyShare()
    {
        // Live demo traffic asks for a few seconds at a time: 3,000 sessions a day is about 0.17 per window.
        var traffic = new DemoTraffic(1, "a.example", "UTC", 5) { DayZone = DateTimeZone.Utc, SessionsPerDay = 3_000 };
        var start = Instant.FromUtc(2026, 3, 2, 12, 0);
        var sessions = 0;
        for (var window = 0; window < 720; window++)
        {
            var from = start + Duration.FromSeconds(5 * window);
            sessions += traffic.Generate(from, from + Duration.FromSeconds(5)).Count(e => e.SessionFirst == 1);
        }

        Assert.InRange(sessions, 60, 250); // an afternoon hour: 125 at the base rate
    }
}

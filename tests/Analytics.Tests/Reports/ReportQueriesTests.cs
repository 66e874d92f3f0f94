using Analytics.ClickHouse;
using Analytics.Reports;
using Analytics.Tests.Infrastructure;
using NodaTime;

namespace Analytics.Tests.Reports;

/// <summary>The rollup plan and the raw plan give the same answers, in every kind of zone, and match an independent count.</summary>
public sealed class ReportQueriesTests(ReportQueriesTests.Data data) : IClassFixture<ReportQueriesTests.Data>
{
    public sealed class Data(Engines engines) : IAsyncLifetime
    {
        public static readonly Instant From = Instant.FromUtc(2026, 10, 20, 0, 0);
        public static readonly Instant To = Instant.FromUtc(2026, 11, 6, 0, 0);

        public IClickHouse ClickHouse { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            ClickHouse = await engines.NewClickHouseAsync();
            await GeneratedTraffic.LoadAsync(ClickHouse, Zones.Select(z => ((ulong)z.Id, z.Zone)), From, To, sessionsPerDay: 150, visitorPool: 1_000, seedBase: 100);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static readonly (long Id, string Zone)[] Zones =
        [(1, "America/New_York"), (2, "Asia/Kathmandu"), (3, "Australia/Lord_Howe"), (4, "Pacific/Chatham"), (5, "Europe/London")];

    public static TheoryData<long, string> ZoneCases() => new(Zones.Select(z => (z.Id, z.Zone)));

    private sealed record Count(ulong N);

    [Theory]
    [MemberData(nameof(ZoneCases))]
    public async Task TopStats_RollupEqualsRaw(long propertyId, string zoneId)
    {
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        var queries = new ReportQueries(data.ClickHouse);
        var range = ReportRanges.Days(zone, new LocalDate(2026, 10, 25), new LocalDate(2026, 11, 3)); // both autumn DST changes

        var rollup = await queries.TopStatsAsync(propertyId, range, ReportSource.Rollup, CancellationToken.None);
        var raw = await queries.TopStatsAsync(propertyId, range, ReportSource.Raw, CancellationToken.None);

        Assert.True(raw.Pageviews > 1000, $"{raw.Pageviews} pageviews");
        Assert.Equal(raw with { Visitors = 0 }, rollup with { Visitors = 0 });
        Assert.InRange((double)rollup.Visitors, raw.Visitors * 0.99, raw.Visitors * 1.01);
        Assert.InRange(raw.BounceRate, 1, 99);
    }

    [Theory]
    [MemberData(nameof(ZoneCases))]
    public async Task HourlyAndDailySeries_RollupEqualsRaw_AndEqualsALocalTimeCount(long propertyId, string zoneId)
    {
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        var queries = new ReportQueries(data.ClickHouse);
        var range = ReportRanges.Days(zone, new LocalDate(2026, 10, 24), new LocalDate(2026, 11, 2));
        foreach (var interval in new[] { TimeInterval.Hour, TimeInterval.Day })
        {
            var buckets = TimeBuckets.Split(range, zone, interval);
            var rollup = await queries.TimeseriesAsync(propertyId, buckets, ReportSource.Rollup, CancellationToken.None);
            var raw = await queries.TimeseriesAsync(propertyId, buckets, ReportSource.Raw, CancellationToken.None);

            Assert.Equal(raw.Select(p => (p.Pageviews, p.Visits)), rollup.Select(p => (p.Pageviews, p.Visits)));
            Assert.All(raw.Zip(rollup), pair => GeneratedTraffic.AssertVisitorsClose(pair.First.Visitors, pair.Second.Visitors, pair.First.Bucket.Label.ToString()));
        }

        // Independently: pageviews of each local day, counted by converting every event's time with NodaTime.
        var days = await queries.TimeseriesAsync(propertyId, TimeBuckets.Split(range, zone, TimeInterval.Day), ReportSource.Rollup, CancellationToken.None);
        foreach (var day in days)
        {
            var expected = (await data.ClickHouse.QueryAsync<Count>(
                "SELECT count() AS n FROM events WHERE property_id = {p:UInt64} AND name = 'pageview' AND timestamp >= {from:DateTime64(3, 'UTC')} AND timestamp < {to:DateTime64(3, 'UTC')}",
                new { p = (ulong)propertyId, from = zone.AtStartOfDay(day.Bucket.Label.Date).ToInstant(), to = zone.AtStartOfDay(day.Bucket.Label.Date.PlusDays(1)).ToInstant() })).Single().N;
            Assert.Equal(expected, day.Pageviews);
        }
    }

    [Theory]
    [MemberData(nameof(ZoneCases))]
    public async Task TopPages_RollupEqualsRaw(long propertyId, string zoneId)
    {
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        var queries = new ReportQueries(data.ClickHouse);
        var range = ReportRanges.Days(zone, new LocalDate(2026, 10, 24), new LocalDate(2026, 11, 2));

        var rollup = await queries.TopPagesAsync(propertyId, range, 50, ReportSource.Rollup, CancellationToken.None);
        var raw = await queries.TopPagesAsync(propertyId, range, 50, ReportSource.Raw, CancellationToken.None);

        Assert.True(raw.Count >= 15, $"{raw.Count} pages");
        Assert.Equal(raw.Select(p => p with { Visitors = 0 }), rollup.Select(p => p with { Visitors = 0 }));
        Assert.All(raw.Zip(rollup), pair => GeneratedTraffic.AssertVisitorsClose(pair.First.Visitors, pair.Second.Visitors, pair.First.Pathname));
        Assert.Equal("/", raw[0].Pathname); // the demo's most popular page
        Assert.True(raw[0].Entries > 0 && raw[0].Exits > 0 && raw[0].TimeOnPage > 0 && raw[0].ScrollDepth > 0);
    }
}

using System.Globalization;
using Analytics.Storage.ClickHouse;
using Analytics.Api.Reports;
using Analytics.Tests.Infrastructure;
using NodaTime;

namespace Analytics.Tests.Reports;

/// <summary>
/// The planner's three sources (rollups, sessions table, raw events) give the same answers, for fixed dashboard
/// queries in zones of every kind and for many random queries, and the numbers match counts made independently.
/// </summary>
public sealed class ReportEngineTests(ReportEngineTests.Data data) : IClassFixture<ReportEngineTests.Data>
{
    public sealed class Data(Engines engines) : IAsyncLifetime
    {
        public static readonly Instant From = Instant.FromUtc(2026, 8, 27, 0, 0);
        public static readonly Instant To = Instant.FromUtc(2026, 11, 6, 0, 0);

        public IClickHouse ClickHouse { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            ClickHouse = await engines.NewClickHouseAsync();
            await GeneratedTraffic.LoadAsync(ClickHouse, Zones.Select(z => ((ulong)z.Id, z.Zone, z.DayZone)), From, To, sessionsPerDay: 150, visitorPool: 1_000, seedBase: 100);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>
    /// Properties in zones of every kind, each twice: with UTC rollup days (added before day zones) and with rollup days
    /// in its own zone (added since: a range of its local days is whole day rows).
    /// </summary>
    private static readonly (long Id, string Zone, string DayZone)[] Zones =
    [
        (1, "America/New_York", "UTC"), (2, "Asia/Kathmandu", "UTC"), (3, "Australia/Lord_Howe", "UTC"), (4, "Pacific/Chatham", "UTC"), (5, "Europe/London", "UTC"),
        (21, "America/New_York", "America/New_York"), (22, "Asia/Kathmandu", "Asia/Kathmandu"), (23, "Australia/Lord_Howe", "Australia/Lord_Howe"),
        (24, "Pacific/Chatham", "Pacific/Chatham"), (25, "Europe/London", "Europe/London"),
    ];

    private static readonly Metric[] AllMetrics =
        [Metric.Visitors, Metric.Visits, Metric.Pageviews, Metric.ViewsPerVisit, Metric.BounceRate, Metric.VisitDuration, Metric.Events, Metric.ScrollDepth, Metric.TimeOnPage, Metric.TotalRevenue, Metric.Percentage];

    public static TheoryData<long, string> ZoneCases() => new(Zones.Select(z => (z.Id, z.Zone)));

    private static DateTimeZone DayZoneOf(long propertyId) => DateTimeZoneProviders.Tzdb[Zones.Single(z => z.Id == propertyId).DayZone];

    /// <summary>Whether the property's rollup days are its own zone's (not UTC's).</summary>
    private static bool LocalDays(long propertyId) => Zones.Single(z => z.Id == propertyId) is var z && z.DayZone == z.Zone;

    private ReportEngine Engine => new(data.ClickHouse);

    private static ReportQuery Query(long propertyId, string zoneId, IReadOnlyList<Metric> metrics, params string[] dimensions)
    {
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        return new ReportQuery
        {
            PropertyId = propertyId,
            Zone = zone,
            DayZone = DayZoneOf(propertyId),
            Range = ReportRanges.Days(zone, new LocalDate(2026, 10, 24), new LocalDate(2026, 11, 2)), // both autumn DST changes
            Metrics = metrics,
            Dimensions = dimensions.Select(d => Dimension.Parse(d, "dimensions")).ToList(),
        };
    }

    [Theory]
    [MemberData(nameof(ZoneCases))]
    public async Task TopStats_FromRollups_EqualRawAndSessions(long propertyId, string zoneId)
    {
        // Ten local days: the whole UTC days from the daily rollup; the partial ones around them from the hourly rollup
        // where offsets are whole hours (no raw events at all), from raw events and sessions elsewhere.
        var query = Query(propertyId, zoneId, [Metric.Visitors, Metric.Visits, Metric.Pageviews, Metric.ViewsPerVisit, Metric.BounceRate, Metric.VisitDuration, Metric.Events]);
        var wholeHours = zoneId is "America/New_York" or "Australia/Lord_Howe" or "Europe/London";
        Assert.Equal(wholeHours ? new QueryPlan("HourlyRollup", "HourlyRollup") : new QueryPlan("Daily", "Daily"), ReportEngine.Explain(query));

        var answers = await AllSourcesAsync(query);

        var raw = answers[ReportSource.Raw].Rows.Single().Metrics;
        Assert.True(raw[2] > 1000, $"{raw[2]} pageviews");
        Assert.InRange(raw[4], 1, 99);
        AssertSame(query, answers);

        // One local day (the autumn DST change) holds no whole UTC day, so the hourly rollup answers where offsets are
        // whole hours (Lord Howe is at +11 until April) and the 15-minute one elsewhere; in London (UTC+0 by then) it is
        // one, whose row of the daily rollup the hourly source reads. With days in its own zone it is one day row.
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        var day = query with { Range = ReportRanges.Days(zone, new LocalDate(2026, 11, 1), new LocalDate(2026, 11, 1)) };
        var source = wholeHours ? "HourlyRollup" : LocalDays(propertyId) ? "Daily" : "PropertyRollup";
        Assert.Equal(new QueryPlan(source, source), ReportEngine.Explain(day));
        AssertSame(day, await AllSourcesAsync(day));
    }

    [Theory]
    [MemberData(nameof(ZoneCases))]
    public async Task LongRanges_WholeMonthsFromTheMonthlyRollup_EqualRawAndSessions(long propertyId, string zoneId)
    {
        // September and October are whole UTC months inside the range in every zone; the days around them come from
        // the daily rollup, the partial first and last days from raw events and sessions.
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        var range = ReportRanges.Days(zone, new LocalDate(2026, 8, 29), new LocalDate(2026, 11, 3));
        Metric[] visits = [Metric.Visitors, Metric.Visits, Metric.Pageviews, Metric.BounceRate, Metric.VisitDuration];
        Metric[] pages = [Metric.Visitors, Metric.Pageviews, Metric.TimeOnPage, Metric.ScrollDepth];
        ReportQuery[] queries =
        [
            Query(propertyId, zoneId, visits) with { Range = range },
            Query(propertyId, zoneId, visits, "visit:source") with { Range = range },
            Query(propertyId, zoneId, visits, "visit:entry_page") with { Range = range },
            Query(propertyId, zoneId, visits, "visit:country") with { Range = range },
            Query(propertyId, zoneId, visits, "visit:browser") with { Range = range, Filter = new Condition(FilterOperator.IsNot, Dimension.Parse("visit:browser", "filters"), ["Chrome"]) },
            Query(propertyId, zoneId, pages, "event:page") with { Range = range },
        ];
        foreach (var query in queries)
        {
            // Totals from the hourly rollup where offsets are whole hours (Lord Howe's is +10:30 until October).
            var totals = query.Dimensions.Count == 0 && zoneId is "America/New_York" or "Europe/London" ? "HourlyRollup" : "Daily";
            Assert.Equal(query.Metrics == pages ? new QueryPlan("Daily", null) : new QueryPlan(totals, totals), ReportEngine.Explain(query));
            var answers = await AllSourcesAsync(query);
            AssertSame(query, answers);
            var pageviews = Array.IndexOf(query.Metrics.ToArray(), Metric.Pageviews);
            Assert.True(answers[ReportSource.Rollup].Rows.Sum(r => r.Metrics[pageviews]) > 10_000, $"{query}: too few pageviews to tell");
        }

        // The graph of the same range by local month and week: hourly sketches where offsets are whole hours.
        foreach (var interval in new[] { TimeInterval.Month, TimeInterval.Week })
        {
            var series = Query(propertyId, zoneId, [Metric.Visitors, Metric.Pageviews, Metric.Visits, Metric.BounceRate]) with { Range = range, Dimensions = [Dimension.Time(interval)] };
            AssertSame(series, await AllSourcesAsync(series));
        }
    }

    [Theory]
    [MemberData(nameof(ZoneCases))]
    public async Task VisitBreakdowns_FromTheDailyRollup_EqualRawAndSessions(long propertyId, string zoneId)
    {
        Metric[] metrics = [Metric.Visitors, Metric.Visits, Metric.Pageviews, Metric.BounceRate, Metric.VisitDuration, Metric.TimeOnPage, Metric.ScrollDepth, Metric.Percentage];
        foreach (var dimension in new[] { "visit:source", "visit:channel", "visit:referrer", "visit:country", "visit:browser", "visit:device", "visit:utm_medium", "visit:screen" })
        {
            var query = Query(propertyId, zoneId, metrics, dimension);
            Assert.Equal(new QueryPlan("Daily", "Daily"), ReportEngine.Explain(query));
            var answers = await AllSourcesAsync(query);
            AssertSame(query, answers);
            Assert.True(answers[ReportSource.Raw].Rows.Count >= 2, $"{dimension}: {answers[ReportSource.Raw].Rows.Count} rows");
        }

        // Page types and authors are event dimensions of the daily rollup too (schema/clickhouse/0009).
        foreach (var dimension in new[] { "event:page_type", "event:author" })
        {
            var query = Query(propertyId, zoneId, [Metric.Visitors, Metric.Pageviews, Metric.Events], dimension);
            Assert.Equal(new QueryPlan("Daily", null), ReportEngine.Explain(query));
            var answers = await AllSourcesAsync(query);
            AssertSame(query, answers);
            Assert.True(answers[ReportSource.Raw].Rows.Count >= 2, $"{dimension}: {answers[ReportSource.Raw].Rows.Count} rows");
        }

        // So are event names, with revenue on every dimension (schema/clickhouse/0010): the custom events panel's query.
        var names = Query(propertyId, zoneId, [Metric.Visitors, Metric.Events, Metric.TotalRevenue], "event:name") with
        {
            Filter = new Condition(FilterOperator.IsNot, Dimension.Parse("event:name", "filters"), ["pageview", "engagement"]),
        };
        Assert.Equal(new QueryPlan("Daily", null), ReportEngine.Explain(names));
        var byName = await AllSourcesAsync(names);
        AssertSame(names, byName);
        Assert.Contains(byName[ReportSource.Rollup].Rows, r => r.Metrics[2] > 0);
        var sourceRevenue = Query(propertyId, zoneId, [Metric.Visitors, Metric.TotalRevenue], "visit:source");
        Assert.Equal(new QueryPlan("Daily", null), ReportEngine.Explain(sourceRevenue));
        AssertSame(sourceRevenue, await AllSourcesAsync(sourceRevenue));

        // A filter on the breakdown's own dimension, and an aggregate filtered by one dimension, stay on the daily rollup.
        var chrome = new Condition(FilterOperator.IsNot, Dimension.Parse("visit:browser", "filters"), ["Chrome"]);
        var search = new Condition(FilterOperator.Is, Dimension.Parse("visit:channel", "filters"), ["Organic Search", "Paid Search"]);
        foreach (var query in new[]
        {
            Query(propertyId, zoneId, [Metric.Visitors, Metric.Visits, Metric.BounceRate, Metric.VisitDuration]) with { Filter = search },
            Query(propertyId, zoneId, metrics, "visit:browser") with { Filter = chrome, OrderBy = [new OrderBy("visits", true)], Limit = 2, Offset = 1 },
            Query(propertyId, zoneId, [Metric.Visitors, Metric.Visits, Metric.ViewsPerVisit, Metric.BounceRate]) with { Filter = chrome },
        })
        {
            Assert.Equal(new QueryPlan("Daily", "Daily"), ReportEngine.Explain(query));
            AssertSame(query, await AllSourcesAsync(query), ordered: query.OrderBy.Count > 0);
        }
    }

    [Theory]
    [MemberData(nameof(ZoneCases))]
    public async Task FilteredSeries_FromTheDailyRollup_EqualRaw(long propertyId, string zoneId)
    {
        // The graph under a filter on one visit attribute: the whole UTC days that lie in one local week or month from
        // the daily rollup, the days a bucket starts inside and the partial days at the ends from raw events. By local
        // day, every day is cut outside UTC (London's until summer time ends): those graphs read raw events; in London
        // the ten days around the change are one cut day, then UTC days. With days in the property's own zone, no
        // bucket cuts a day: every graph is day rows, and month rows for whole months by month.
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        var months = ReportRanges.Days(zone, new LocalDate(2026, 8, 29), new LocalDate(2026, 11, 3));
        Filter[] filters =
        [
            new Condition(FilterOperator.Is, Dimension.Parse("visit:country", "filters"), ["US", "DE"]),
            new Condition(FilterOperator.IsNot, Dimension.Parse("visit:source", "filters"), ["Google"]),
            new Condition(FilterOperator.Contains, Dimension.Parse("visit:channel", "filters"), ["search"], CaseSensitive: false),
            new Condition(FilterOperator.Contains, Dimension.Parse("event:page", "filters"), ["/blog"]), // hundreds of pages' rows, whole months' from month rows
        ];
        foreach (var filter in filters)
        {
            foreach (var interval in new[] { TimeInterval.Month, TimeInterval.Week, TimeInterval.Day })
            {
                var series = Query(propertyId, zoneId, [Metric.Visitors, Metric.Pageviews, Metric.Events, Metric.TimeOnPage]) with
                {
                    Range = interval == TimeInterval.Day ? Query(propertyId, zoneId, []).Range : months,
                    Dimensions = [Dimension.Time(interval)],
                    Filter = filter,
                };
                var daily = interval != TimeInterval.Day || zoneId == "Europe/London" || LocalDays(propertyId);
                Assert.Equal(daily, ReportEngine.Explain(series).Events == "Daily");
                var answers = await AllSourcesAsync(series);
                AssertSame(series, answers);
                Assert.True(answers[ReportSource.Raw].Rows.Sum(r => r.Metrics[1]) > 500, $"{filter} by {interval}: too few pageviews to tell");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ZoneCases))]
    public async Task HourlyAndDailySeries_EqualAcrossSources_AndEqualALocalTimeCountOfEachEvent(long propertyId, string zoneId)
    {
        var zone = DateTimeZoneProviders.Tzdb[zoneId];

        // Independently: every pageview's instant converted with NodaTime, counted per local hour (with its offset) and day.
        var query = Query(propertyId, zoneId, [Metric.Pageviews, Metric.Visitors, Metric.Visits], "time:hour");
        var times = await data.ClickHouse.QueryAsync<Stamp>(
            "SELECT timestamp FROM events WHERE property_id = {p:UInt64} AND name = 'pageview' AND timestamp >= {from:DateTime64(3)} AND timestamp < {to:DateTime64(3)}",
            new { p = (ulong)propertyId, from = query.Range.From, to = query.Range.To });
        var local = times.Select(t => Instant.FromDateTimeUtc(DateTime.SpecifyKind(t.Timestamp, DateTimeKind.Utc)).InZone(zone)).ToList();

        foreach (var interval in new[] { TimeInterval.Hour, TimeInterval.Day })
        {
            var series = query with { Dimensions = [Dimension.Time(interval)] };
            var hourly = zoneId is "America/New_York" or "Europe/London" or "Australia/Lord_Howe";
            Assert.Equal(hourly ? "HourlyRollup" : "PropertyRollup", ReportEngine.Explain(series).Events);
            var answers = await AllSourcesAsync(series);
            AssertSame(series, answers);

            var rows = answers[ReportSource.Rollup].Rows;
            var buckets = answers[ReportSource.Rollup].TimeBuckets;
            Assert.Equal(buckets.Count, rows.Count);
            var expected = buckets.Select(b => local.Count(t => interval == TimeInterval.Hour
                ? t.Date == b.Label.Date && t.Hour == b.Label.Hour && t.Offset == b.Offset
                : t.Date == b.Label.Date)).ToList();
            Assert.Equal(expected, rows.Select(r => (int)r.Metrics[0]).ToList());
            Assert.Equal(local.Count, (int)rows.Sum(r => r.Metrics[0]));
        }
    }

    [Theory]
    [MemberData(nameof(ZoneCases))]
    public async Task TopPages_FromTheRollups_EqualRaw(long propertyId, string zoneId)
    {
        var query = Query(propertyId, zoneId, [Metric.Visitors, Metric.Pageviews, Metric.Events, Metric.TimeOnPage, Metric.ScrollDepth, Metric.Percentage], "event:page")
            with { OrderBy = [new OrderBy("pageviews", true)], Limit = 5 };
        Assert.Equal(new QueryPlan("Daily", null), ReportEngine.Explain(query));

        var answers = await AllSourcesAsync(query);

        AssertSame(query, answers, ordered: true);
        var top = answers[ReportSource.Rollup];
        Assert.Equal(5, top.Rows.Count);
        Assert.True(top.TotalRows >= 15, $"{top.TotalRows} pages");
        Assert.Equal("/", top.Rows[0].Dimensions[0]); // the demo's most popular page
        Assert.True(top.Rows[0].Metrics[3] > 0 && top.Rows[0].Metrics[4] > 0);

        // Over one local day, raw events (in London, a UTC day, and with days in the property's own zone, one day row:
        // the daily rollup).
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        var day = query with { Range = ReportRanges.Days(zone, new LocalDate(2026, 11, 1), new LocalDate(2026, 11, 1)) };
        Assert.Equal(new QueryPlan(zoneId == "Europe/London" || LocalDays(propertyId) ? "Daily" : "Sessions", null), ReportEngine.Explain(day));
        AssertSame(day, await AllSourcesAsync(day), ordered: true);
    }

    [Theory]
    [InlineData(1L, "America/New_York")] // UTC rollup days: the range's partial days come from raw events
    [InlineData(22L, "Asia/Kathmandu")]
    [InlineData(23L, "Australia/Lord_Howe")]
    public async Task APageOfABreakdownLedByVisitors_FromTheDailyRollup_IsTheOneEveryGroupMergedGives(long propertyId, string zoneId)
    {
        // Led by visitors, the daily rollup merges the sketches of the groups with the most events only, where those
        // decide the page. Asked for every group at once (no group is left out), it merges them all: each page of ten
        // must be that list's, with its total, alone and as a view's panels read together (one statement for all).
        string Text(IEnumerable<ResultRow> rows) => string.Join(", ", rows.Select(row => string.Join("/", row.Dimensions) + " " + string.Join(" ", row.Metrics)));
        var view = new List<(ReportQuery Panel, QueryResult Every)>();
        foreach (var dimension in new[] { "event:page", "visit:entry_page", "visit:source" })
        {
            var query = Query(propertyId, zoneId, [Metric.Visitors, Metric.Pageviews, Metric.TimeOnPage], dimension);
            Assert.Equal("Daily", ReportEngine.Explain(query).Events);
            var every = await Engine.RunAsync(query with { Limit = 10_000 }, CancellationToken.None);
            Assert.True(dimension == "visit:source" || every.TotalRows > 150, $"{dimension}: {every.TotalRows} groups, too few to leave any out");
            foreach (var offset in new[] { 0, 10, 45 })
            {
                var page = await Engine.RunAsync(query with { Limit = 10, Offset = offset }, CancellationToken.None);
                Assert.Equal(Text(every.Rows.Skip(offset).Take(10)), Text(page.Rows));
                Assert.Equal(every.TotalRows, page.TotalRows);
            }

            view.Add((query with { Metrics = [Metric.Visitors, Metric.Pageviews], Limit = 10 }, every));
        }

        var together = await Engine.RunAllAsync(view.Select(v => v.Panel).ToList(), CancellationToken.None);
        foreach (var ((panel, every), read) in view.Zip(together))
        {
            Assert.Equal(Text(every.Rows.Take(10).Select(r => r with { Metrics = r.Metrics.Take(2).ToList() })), Text(read.Rows));
            Assert.Equal(every.TotalRows, read.TotalRows);
        }
    }

    [Fact]
    public async Task RandomQueries_GiveTheSameAnswerFromEverySource()
    {
        var random = new Random(20261122);
        string[] dimensionNames =
        [
            "event:page", "event:name", "event:category", "event:props:plan", "event:page_type", "visit:entry_page", "visit:exit_page", "visit:source",
            "visit:utm_medium", "visit:country", "visit:city", "visit:browser", "visit:os", "visit:device", "visit:locale", "time:day", "time:hour", "time:week",
        ];
        (string Dimension, string[] Values)[] conditions =
        [
            ("event:page", ["/", "/pricing", "/docs/api", "/blog/timezones-are-hard"]), ("event:name", ["pageview", "Signup", "File Download"]),
            ("event:category", ["docs", "blog"]), ("event:props:plan", ["pro", "free"]), ("visit:entry_page", ["/", "/docs"]),
            ("visit:source", ["Google", "", "Hacker News"]), ("visit:utm_medium", ["email", "cpc"]), ("visit:country", ["US", "DE", "GB"]),
            ("visit:browser", ["Chrome", "Firefox", "Mobile Safari"]), ("visit:device", ["mobile", "desktop"]),
        ];

        var (answered, fromRollups, fromDaily) = (0, 0, 0);
        for (var n = 0; n < 40; n++)
        {
            // One query in four in another zone than the property's own (an owner who changed it): its days are then
            // not the rollups' days, whichever zone those are in.
            var (propertyId, own, _) = Zones[random.Next(Zones.Length)];
            var zone = random.Next(4) == 0 ? Zones[random.Next(Zones.Length)].Zone : own;

            // Every third query keeps to what the 15-minute rollups hold (totals over time, unfiltered), so the planner uses them.
            var rollupShaped = n % 3 == 0;
            var dimensionPool = rollupShaped ? ["time:day", "time:hour", "time:month"] : dimensionNames;
            var dimensions = dimensionPool.OrderBy(_ => random.Next()).Take(random.Next(0, 3)).Where((d, i) => i == 0 || !d.StartsWith("time", StringComparison.Ordinal)).ToArray();
            Filter? filter = null;
            var parts = Enumerable.Range(0, rollupShaped ? 0 : random.Next(0, 3)).Select(_ =>
            {
                var (dimension, values) = conditions[random.Next(conditions.Length)];
                var op = (FilterOperator)random.Next(6);
                var chosen = values.OrderBy(_ => random.Next()).Take(random.Next(1, 3)).ToList();
                Filter condition = new Condition(op, Dimension.Parse(dimension, "filters"), op is FilterOperator.Matches or FilterOperator.MatchesNot ? chosen.Select(v => "^" + v).ToList() : chosen, random.Next(2) == 0);
                return random.Next(5) == 0 ? new Not(condition) : condition;
            }).ToList();
            if (parts.Count > 0)
            {
                filter = parts.Count == 1 ? parts[0] : random.Next(2) == 0 ? new AllOf(parts) : new AnyOf(parts);
            }

            // As the engine takes them: views per visit unfiltered and by time only, a visit's bounces and duration not by an event's attributes (a page excepted).
            var metrics = AllMetrics.Where(_ => random.Next(3) == 0)
                .Where(m => m != Metric.ViewsPerVisit || filter is null && dimensions.All(d => d.StartsWith("time", StringComparison.Ordinal)))
                .Where(m => m is not (Metric.BounceRate or Metric.VisitDuration) || dimensions.All(d => !d.StartsWith("event:", StringComparison.Ordinal) || d == "event:page"))
                .Where(m => !rollupShaped || Metrics.IsEventMetric(m) && m is not (Metric.TotalRevenue or Metric.ScrollDepth or Metric.TimeOnPage)).ToList();
            if (metrics.Count == 0)
            {
                metrics.Add(rollupShaped ? Metric.Pageviews : Metric.Visits);
            }

            var query = Query(propertyId, zone, metrics, dimensions) with { Filter = filter };
            var ordered = dimensions.Length > 0 && !dimensions[0].StartsWith("time", StringComparison.Ordinal) && random.Next(2) == 0;
            if (ordered)
            {
                // An exact metric first, so every source orders alike; then a page in the middle.
                var exact = metrics.FirstOrDefault(m => m is Metric.Pageviews or Metric.Visits or Metric.Events);
                query = exact == default && !metrics.Contains(Metric.Visitors) ? query with { Metrics = [Metric.Visits, .. metrics.Where(m => m != Metric.Visits)] } : query;
                var by = exact != default ? exact : Metric.Visits;
                query = query with { Metrics = query.Metrics.Contains(by) ? query.Metrics : [by, .. query.Metrics], OrderBy = [new OrderBy(Metrics.Name(by), true)], Limit = 3, Offset = 1 };
            }

            var answers = await AllSourcesAsync(query);
            AssertSame(query, answers, ordered);
            answered += answers[ReportSource.Raw].Rows.Any(r => r.Metrics.Any(m => m > 0)) ? 1 : 0;
            var plan = ReportEngine.Explain(query);
            fromRollups += plan.Events?.Contains("Rollup", StringComparison.Ordinal) == true ? 1 : 0;
            fromDaily += plan.Events == "Daily" || plan.Sessions == "Daily" ? 1 : 0;
        }

        // The comparison means something only if most queries find data and some are planned on each kind of rollup.
        Assert.True(answered >= 30, $"{answered} of 40 random queries found data");
        Assert.True(fromRollups >= 5, $"{fromRollups} of 40 random queries were planned on the 15-minute rollups");
        Assert.True(fromDaily >= 5, $"{fromDaily} of 40 random queries were planned on the daily rollup");
    }

    [Fact]
    public async Task UnderAHostnameFilter_VisitOriginsCountTheVisitsThatEnteredThere_AndExitPagesThoseThatLeftFromIt()
    {
        // Three visits across two hostnames of one site, as in Plausible's tests: Ada enters on the blog and leaves from
        // www; Bob stays on www; Cy enters on www and leaves from the blog.
        static string Line(string time, string visitor, string host, string path, string source = "")
            => $$"""{"timestamp":"2026-09-10T{{time}}Z","name":"pageview","visitor_id":"{{visitor}}","hostname":"{{host}}","pathname":"{{path}}","referrer_source":"{{source}}"}""";
        var jsonl = string.Join('\n',
            Line("10:00:00", "ada", "blog.example.com", "/landing", "Google"), Line("10:05:00", "ada", "www.example.com", "/pricing"),
            Line("11:00:00", "bob", "www.example.com", "/", "Twitter"),
            Line("12:00:00", "cy", "www.example.com", "/features", "Google"), Line("12:03:00", "cy", "blog.example.com", "/post"));
        var property = new Analytics.Storage.Properties.Property(9, "multi.example", "Multi", "UTC", DateTime.UtcNow, 1, string.Empty, null, false);
        await Analytics.Ingest.Transfer.EventImport.RunAsync(data.ClickHouse, property, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(jsonl)), _ => { }, CancellationToken.None);

        var zone = DateTimeZoneProviders.Tzdb["UTC"];
        async Task<string> VisitsBy(string dimension, string? hostname)
        {
            var query = new ReportQuery
            {
                PropertyId = 9,
                Zone = zone,
                DayZone = zone,
                Range = ReportRanges.Days(zone, new LocalDate(2026, 9, 10), new LocalDate(2026, 9, 10)),
                Metrics = [Metric.Visits],
                Dimensions = [Dimension.Parse(dimension, "dimensions")],
                Filter = hostname is null ? null : new Condition(FilterOperator.Is, Dimension.Parse("event:hostname", "filters"), [hostname]),
            };
            var answers = await AllSourcesAsync(query);
            AssertSame(query, answers);
            return string.Join(", ", answers[ReportSource.Raw].Rows.OrderBy(r => r.Dimensions[0], StringComparer.Ordinal).Select(r => $"{r.Dimensions[0]} {r.Metrics[0]}"));
        }

        Assert.Equal("Google 1", await VisitsBy("visit:source", "blog.example.com")); // Cy came from Google too, but entered on www
        Assert.Equal("Organic Search 1", await VisitsBy("visit:channel", "blog.example.com"));
        Assert.Equal("/landing 1", await VisitsBy("visit:entry_page", "blog.example.com"));
        Assert.Equal("/post 1", await VisitsBy("visit:exit_page", "blog.example.com")); // Ada left from www
        Assert.Equal("Google 2, Twitter 1", await VisitsBy("visit:source", null));
        Assert.Equal("blog.example.com 1, www.example.com 2", await VisitsBy("visit:exit_page_hostname", null));
        Assert.Equal("blog.example.com 1, www.example.com 2", await VisitsBy("visit:entry_page_hostname", null));
    }

    [Fact]
    public async Task TimeOnPageAndScrollDepth_AreAveragedOverTheVisitsWithEngagementOnAPage_AndEngagementNeverLengthensAVisit()
    {
        // Ada reads /a twice in one visit (40% then 70% scrolled, 10 s and 30 s), /b once; Bob reads /a (20%, 6 s) and
        // leaves; Cy opens /b and /c without any engagement.
        static string Line(string time, string visitor, string name, string path, int scroll = 0, int engagedMs = 0)
            => $$"""{"timestamp":"2026-09-11T{{time}}Z","name":"{{name}}","visitor_id":"{{visitor}}","hostname":"read.example","pathname":"{{path}}","scroll_depth":{{scroll}},"engagement_ms":{{engagedMs}}}""";
        var jsonl = string.Join('\n',
            Line("10:00:00", "ada", "pageview", "/a"), Line("10:01:00", "ada", "engagement", "/a", 40, 10_000),
            Line("10:02:00", "ada", "pageview", "/b"), Line("10:03:00", "ada", "engagement", "/b", 90, 20_000),
            Line("10:04:00", "ada", "pageview", "/a"), Line("10:06:00", "ada", "engagement", "/a", 70, 30_000),
            Line("11:00:00", "bob", "pageview", "/a"), Line("11:02:00", "bob", "engagement", "/a", 20, 6_000),
            Line("12:00:00", "cy", "pageview", "/b"), Line("12:05:00", "cy", "pageview", "/c"));
        var property = new Analytics.Storage.Properties.Property(10, "read.example", "Read", "UTC", DateTime.UtcNow, 1, string.Empty, null, false);
        await Analytics.Ingest.Transfer.EventImport.RunAsync(data.ClickHouse, property, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(jsonl)), _ => { }, CancellationToken.None);

        var zone = DateTimeZoneProviders.Tzdb["UTC"];
        var range = ReportRanges.Days(zone, new LocalDate(2026, 9, 11), new LocalDate(2026, 9, 11));
        var byPage = new ReportQuery { PropertyId = 10, Zone = zone, DayZone = zone, Range = range, Metrics = [Metric.Pageviews, Metric.TimeOnPage, Metric.ScrollDepth], Dimensions = [Dimension.Parse("event:page", "dimensions")] };
        var answers = await AllSourcesAsync(byPage);
        AssertSame(byPage, answers);
        var pages = answers[ReportSource.Raw].Rows.ToDictionary(r => r.Dimensions[0], r => r.Metrics);
        Assert.Equal([3, 23, 45], pages["/a"]); // (10 + 30 + 6) s over two visits; Ada's deepest 70% and Bob's 20%
        Assert.Equal([2, 20, 90], pages["/b"]); // Cy's visit has no engagement there: not counted
        Assert.Equal(1, pages["/c"][0]);
        Assert.True(double.IsNaN(pages["/c"][1]) && double.IsNaN(pages["/c"][2]), "no engagement: no time on page or scroll depth, not zero");

        // Visit durations end at the last event that is not engagement: Ada 4 min, Bob 0 (a bounce), Cy 5 min.
        var visits = new ReportQuery { PropertyId = 10, Zone = zone, DayZone = zone, Range = range, Metrics = [Metric.Visits, Metric.VisitDuration, Metric.BounceRate] };
        var totals = await AllSourcesAsync(visits);
        AssertSame(visits, totals);
        Assert.Equal([3, 180, 33], totals[ReportSource.Raw].Rows.Single().Metrics);
    }

    [Theory]
    [MemberData(nameof(ZoneCases))]
    public async Task AViewsPanels_ReadInOneScan_AnswerAsEachAlone(long propertyId, string zoneId)
    {
        // The filters a view's panels share: a visit attribute, a page (raw events), none (the daily rollup), each with the
        // panels' breakdowns (two of one dimension with different lengths, as the map's and the list's, and one of its
        // names) and the top stats. Under the page filter the visits are looked up once for the top stats and every
        // breakdown by a visit attribute whose events lead it or whose visits lead it in their usual order (their
        // sessions halves in one statement); one ordered by bounce rate reads its own.
        var top = await Engine.RunAsync(Query(propertyId, zoneId, [Metric.Visitors], "visit:country", "visit:source"), CancellationToken.None);
        var (country, source) = (top.Rows[0].Dimensions[0], top.Rows[0].Dimensions[1]);
        foreach (var json in new[] { $$"""[["is", "visit:country", ["{{country}}"]]]""", $$"""[["is", "visit:source", ["{{source}}"]]]""", """[["contains", "event:page", ["/"]]]""", null })
        {
            var filter = FilterJson.Parse(json);
            ReportQuery Panel(Metric[] metrics, string? dimension, int limit) => Query(propertyId, zoneId, metrics, dimension is null ? [] : [dimension]) with { Filter = filter, Limit = limit };
            var view = new[]
            {
                Panel([Metric.Visitors, Metric.Visits, Metric.BounceRate], null, 1),
                Panel([Metric.Visitors, Metric.Visits, Metric.BounceRate], "visit:source", 10),
                Panel([Metric.Visitors, Metric.Pageviews], "event:page_type", 10),
                Panel([Metric.Visitors, Metric.Percentage], "visit:utm_medium", 10),
                Panel([Metric.Visitors], "visit:country", 10),
                Panel([Metric.Visitors, Metric.Pageviews], "event:page", 10),
                Panel([Metric.Visitors], "visit:browser", 3),
                Panel([Metric.Visitors], "visit:country", 300),
                Panel([Metric.Visitors], "visit:device", 10),
                Panel([Metric.Visits], "visit:entry_page", 10),
                Panel([Metric.Visitors], "visit:os", 2),
                Panel([Metric.Visitors], "visit:country_name", 5), // the same rows as visit:country's, named
                Panel([Metric.Visits, Metric.BounceRate], "visit:entry_page", 3) with { Offset = 2 }, // a later page of visits' own order
                Panel([Metric.Visitors, Metric.Visits], "visit:country_name", 5),
                Panel([Metric.BounceRate, Metric.Visits], "visit:browser", 10), // an order the shared visits do not have
            };
            // The whole view, and the top stats with one breakdown (the shared visits then group by a single dimension).
            foreach (var asked in new[] { view, [view[0], view[9]] })
            {
                var together = await Engine.RunAllAsync(asked, CancellationToken.None);
                for (var i = 0; i < asked.Length; i++)
                {
                    var alone = await Engine.RunAsync(asked[i], CancellationToken.None);
                    string Text(QueryResult r) => $"{r.TotalRows} rows: " + string.Join(", ", r.Rows.Select(row => string.Join("/", row.Dimensions) + " " + string.Join(" ", row.Metrics)));
                    Assert.True(alone.Rows.Count > 0 || json is not null, $"{json}: panel {i} is empty");
                    Assert.Equal(Text(alone), Text(together[i]));
                }
            }
        }
    }

    [Fact]
    public async Task APageWithOnlyPingsInRange_IsListedWhereAMetricReadsPings_AndByEverySourceAlike()
    {
        // Dee opens /late a minute before midnight and reads it for 50 s into the next day, then opens /next: on that day
        // /late has an engagement ping and nothing else.
        static string Line(string time, string name, string path, int scroll = 0, int engagedMs = 0)
            => $$"""{"timestamp":"2026-09-{{time}}Z","name":"{{name}}","visitor_id":"dee","hostname":"late.example","pathname":"{{path}}","scroll_depth":{{scroll}},"engagement_ms":{{engagedMs}}}""";
        var jsonl = string.Join('\n',
            Line("11T23:59:00", "pageview", "/late"), Line("12T00:00:50", "engagement", "/late", 60, 50_000),
            Line("12T00:01:00", "pageview", "/next"), Line("12T00:02:00", "engagement", "/next", 30, 20_000));
        var property = new Analytics.Storage.Properties.Property(11, "late.example", "Late", "UTC", DateTime.UtcNow, 1, string.Empty, null, false);
        await Analytics.Ingest.Transfer.EventImport.RunAsync(data.ClickHouse, property, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(jsonl)), _ => { }, CancellationToken.None);

        var zone = DateTimeZoneProviders.Tzdb["UTC"];
        var query = new ReportQuery
        {
            PropertyId = 11, Zone = zone, DayZone = zone, Range = ReportRanges.Days(zone, new LocalDate(2026, 9, 12), new LocalDate(2026, 9, 12)),
            Metrics = [Metric.Visitors, Metric.Pageviews], Dimensions = [Dimension.Parse("event:page", "dimensions")],
        };
        var counted = await AllSourcesAsync(query);
        AssertSame(query, counted);
        Assert.Equal("/next 1", string.Join(", ", counted[ReportSource.Raw].Rows.Select(r => $"{r.Dimensions[0]} {r.Metrics[0]}")));

        var read = query with { Metrics = [Metric.Visitors, Metric.TimeOnPage] };
        var withPings = await AllSourcesAsync(read);
        AssertSame(read, withPings);
        Assert.Equal("/late 0 50, /next 1 20", string.Join(", ", withPings[ReportSource.Raw].Rows.OrderBy(r => r.Dimensions[0], StringComparer.Ordinal).Select(r => $"{r.Dimensions[0]} {r.Metrics[0]} {r.Metrics[1]}")));
    }

    [Fact]
    public async Task AVisitWhosePageFilterMatchIsAPingAlone_IsNotAVisitOfThatPage_FromAnySource_NorInTheVisitsList()
    {
        // Eve reads /blog/a, leaves the tab open for 40 minutes and opens /home in another tab: a new visit, into which
        // the old tab then sends its engagement ping for /blog/a. Only the first visit showed a /blog page (Plausible
        // leaves pings out of the events that make a visit match, as here).
        static string Line(string time, string name, string path, int scroll = 0, int engagedMs = 0)
            => $$"""{"timestamp":"2026-09-20T{{time}}Z","name":"{{name}}","visitor_id":"eve","hostname":"tabs.example","pathname":"{{path}}","scroll_depth":{{scroll}},"engagement_ms":{{engagedMs}}}""";
        var jsonl = string.Join('\n', Line("10:00:00", "pageview", "/blog/a"), Line("10:40:00", "pageview", "/home"), Line("10:41:00", "engagement", "/blog/a", 80, 30_000));
        var property = new Analytics.Storage.Properties.Property(12, "tabs.example", "Tabs", "UTC", DateTime.UtcNow, 1, string.Empty, null, false);
        await Analytics.Ingest.Transfer.EventImport.RunAsync(data.ClickHouse, property, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(jsonl)), _ => { }, CancellationToken.None);

        var zone = DateTimeZoneProviders.Tzdb["UTC"];
        var all = new ReportQuery
        {
            PropertyId = 12, Zone = zone, DayZone = zone, Range = ReportRanges.Days(zone, new LocalDate(2026, 9, 20), new LocalDate(2026, 9, 20)),
            Metrics = [Metric.Visitors, Metric.Visits, Metric.Pageviews],
        };
        Assert.Equal([1d, 2d, 2d], (await Engine.RunAsync(all, CancellationToken.None)).Rows.Single().Metrics); // two visits, the ping in the second

        var blog = all with { Filter = new Condition(FilterOperator.Contains, Dimension.Parse("event:page", "filters"), ["/blog"]) };
        var counted = await AllSourcesAsync(blog);
        AssertSame(blog, counted);
        Assert.Equal([1d, 1d, 1d], counted[ReportSource.Raw].Rows.Single().Metrics);
        var visits = await Engine.SessionsAsync(blog, 10, 0, CancellationToken.None);
        Assert.Equal("/blog/a", visits.Single().EntryPage);
    }

    [Fact]
    public async Task AVisitStoredInTwoRowsNotMergedYet_PassesAPageFilterOnItsLaterPage_WithItsWholeDuration()
    {
        // Fay reads /start and /next, then 10,000 others read /other (an import's first batch ends there), then Fay
        // reads /blog/b: her visit is two rows of the sessions table until a merge, and only the second holds /blog/b.
        // Under a /blog filter the visit counts whole: 20 minutes (the second row alone holds 19:50 of them).
        static string Line(string time, string visitor, string path)
            => $$"""{"timestamp":"2026-09-21T{{time}}Z","name":"pageview","visitor_id":"{{visitor}}","hostname":"split.example","pathname":"{{path}}"}""";
        var lines = new List<string> { Line("10:00:00", "fay", "/start"), Line("10:00:10", "fay", "/next") };
        lines.AddRange(Enumerable.Range(0, Analytics.Ingest.Transfer.EventImport.BatchSize - 1).Select(i => Line($"10:{1 + i / 1000:00}:{i % 60:00}", $"other{i}", "/other")));
        lines.Add(Line("10:20:00", "fay", "/blog/b"));
        var property = new Analytics.Storage.Properties.Property(14, "split.example", "Split", "UTC", DateTime.UtcNow, 1, string.Empty, null, false);
        await data.ClickHouse.ExecuteAsync("SYSTEM STOP MERGES sessions"); // the two rows stay two for this test
        try
        {
            await Analytics.Ingest.Transfer.EventImport.RunAsync(data.ClickHouse, property, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines))), _ => { }, CancellationToken.None);
            var rows = await data.ClickHouse.QueryAsync<Rows>("SELECT count() AS n FROM sessions WHERE property_id = 14 AND (has(pages, '/start') OR has(pages, '/blog/b'))");
            Assert.Equal(2UL, rows.Single().N);

            var zone = DateTimeZoneProviders.Tzdb["UTC"];
            var blog = new ReportQuery
            {
                PropertyId = 14, Zone = zone, DayZone = zone, Range = ReportRanges.Days(zone, new LocalDate(2026, 9, 21), new LocalDate(2026, 9, 21)),
                Metrics = [Metric.Visits, Metric.BounceRate, Metric.VisitDuration],
                Filter = new Condition(FilterOperator.Contains, Dimension.Parse("event:page", "filters"), ["/blog"]),
            };
            foreach (var query in new[] { blog, blog with { Dimensions = [Dimension.Parse("visit:entry_page", "dimensions")] } })
            {
                var counted = await AllSourcesAsync(query);
                AssertSame(query, counted);
                Assert.Equal([1d, 0d, 1200d], counted[ReportSource.Sessions].Rows.Single().Metrics);
            }
        }
        finally
        {
            await data.ClickHouse.ExecuteAsync("SYSTEM START MERGES sessions");
        }
    }

    private sealed record Rows(ulong N);

    [Theory]
    [InlineData("a_b", "/a_b")] // '_' is LIKE's any-character: /axb must not match
    [InlineData("50%", "/50%off")] // '%' is LIKE's any-string: /50-off must not match
    [InlineData(@"\x", @"/c\x")] // the escape itself: /cx must not match
    [InlineData("/", "/50%off /50-off /a_b /axb /cx /c\\x")]
    [InlineData("nowhere", "")]
    public async Task Contains_MatchesItsTextLiterally_AloneOrBesideAnother_AndItsNegationTheRest(string text, string matching)
    {
        // One case-sensitive value is searched with LIKE, several with multiSearchAny: both take the text as it is.
        string[] paths = ["/a_b", "/axb", "/50%off", "/50-off", @"/c\x", "/cx"];
        var jsonl = string.Join('\n', paths.Select((p, i) => $$"""{"timestamp":"2026-09-21T10:0{{i}}:00Z","name":"pageview","visitor_id":"v{{i}}","hostname":"odd.example","pathname":{{System.Text.Json.JsonSerializer.Serialize(p)}}}"""));
        var property = new Analytics.Storage.Properties.Property(13, "odd.example", "Odd", "UTC", DateTime.UtcNow, 1, string.Empty, null, false);
        await Analytics.Ingest.Transfer.EventImport.RunAsync(data.ClickHouse, property, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(jsonl)), _ => { }, CancellationToken.None);

        var zone = DateTimeZoneProviders.Tzdb["UTC"];
        async Task<string> Pages(FilterOperator op, params string[] values)
        {
            var query = new ReportQuery
            {
                PropertyId = 13, Zone = zone, DayZone = zone, Range = ReportRanges.Days(zone, new LocalDate(2026, 9, 21), new LocalDate(2026, 9, 21)),
                Metrics = [Metric.Visitors], Dimensions = [Dimension.Parse("event:page", "dimensions")],
                Filter = new Condition(op, Dimension.Parse("event:page", "filters"), values),
            };
            var answers = await AllSourcesAsync(query);
            AssertSame(query, answers);
            return string.Join(" ", answers[ReportSource.Raw].Rows.Select(r => r.Dimensions[0]).Order(StringComparer.Ordinal));
        }

        var expected = string.Join(" ", matching.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        Assert.Equal(expected, await Pages(FilterOperator.Contains, text));
        Assert.Equal(expected, await Pages(FilterOperator.Contains, text, "no such text"));
        var rest = string.Join(" ", paths.Except(matching.Split(' ')).Order(StringComparer.Ordinal));
        Assert.Equal(rest, await Pages(FilterOperator.ContainsNot, text));
    }

    [Theory]
    [InlineData(Metric.Visitors, 80, 100, 25d)]
    [InlineData(Metric.Visitors, 0, 5, 100d)]
    [InlineData(Metric.Visitors, 0, 0, 0d)]
    [InlineData(Metric.Percentage, 10, 15, 50d)]
    [InlineData(Metric.BounceRate, 50, 40, -10d)]
    [InlineData(Metric.BounceRate, 0, 40, null)]
    [InlineData(Metric.ConversionRate, 2.34, 3.5, 1.2d)]
    public void Change_IsComputedAsPlausibleComputesIt(Metric metric, double before, double now, double? change)
        => Assert.Equal(change, ReportEngine.Change(metric, before, now));

    private async Task<Dictionary<ReportSource, QueryResult>> AllSourcesAsync(ReportQuery query)
    {
        var answers = new Dictionary<ReportSource, QueryResult>();
        foreach (var source in Enum.GetValues<ReportSource>())
        {
            answers[source] = await Engine.RunAsync(query with { Source = source }, CancellationToken.None);
        }

        return answers;
    }

    /// <summary>Equal rows from every source; visitor counts (an estimate) within 2%, and what derives from them within a point.</summary>
    private static void AssertSame(ReportQuery query, Dictionary<ReportSource, QueryResult> answers, bool ordered = false)
    {
        var context = $"{string.Join(",", query.Metrics)} by {string.Join(",", query.Dimensions.Select(d => d.Name))} where {query.Filter}";
        var raw = answers[ReportSource.Raw];

        // Both halves found their groups: without filters, the groups with visitors are the groups with visits, give or take the range's edges.
        var (visitors, visits) = (query.Metrics.ToList().IndexOf(Metric.Visitors), query.Metrics.ToList().IndexOf(Metric.Visits));
        if (visitors >= 0 && visits >= 0 && query.Filter is null)
        {
            Assert.True(raw.Rows.Any(r => r.Metrics[visitors] > 0) == raw.Rows.Any(r => r.Metrics[visits] > 0), $"visitors without visits or the reverse: {context}");
        }

        foreach (var source in new[] { ReportSource.Rollup, ReportSource.Sessions })
        {
            var other = answers[source];
            Assert.True(raw.TotalRows == other.TotalRows, $"{source}: {other.TotalRows} rows, raw {raw.TotalRows}: {context}");
            Assert.True(raw.Rows.Count == other.Rows.Count, $"{source}: {other.Rows.Count} rows returned, raw {raw.Rows.Count}: {context}");
            var expected = ordered ? raw.Rows : raw.Rows.OrderBy(r => string.Join('|', r.Dimensions), StringComparer.Ordinal).ToList();
            var actual = ordered ? other.Rows : other.Rows.OrderBy(r => string.Join('|', r.Dimensions), StringComparer.Ordinal).ToList();
            foreach (var (want, got) in expected.Zip(actual))
            {
                Assert.True(want.Dimensions.SequenceEqual(got.Dimensions), $"{source}: [{string.Join(",", got.Dimensions)}] vs raw [{string.Join(",", want.Dimensions)}]: {context}");
                for (var i = 0; i < query.Metrics.Count; i++)
                {
                    var metric = query.Metrics[i];
                    var where = $"{source} {metric} of [{string.Join(",", want.Dimensions)}]: {got.Metrics[i]} vs raw {want.Metrics[i]}: {context}";
                    if (metric == Metric.Visitors)
                    {
                        GeneratedTraffic.AssertVisitorsClose((ulong)want.Metrics[i], (ulong)got.Metrics[i], where);
                    }
                    else if (metric is Metric.Percentage or Metric.ConversionRate)
                    {
                        Assert.True(Math.Abs(want.Metrics[i] - got.Metrics[i]) <= 1, where);
                    }
                    else
                    {
                        Assert.True(want.Metrics[i].Equals(got.Metrics[i]), where); // NaN (no data) equals NaN here
                    }
                }
            }
        }
    }

    private sealed record Stamp(DateTime Timestamp);
}

using System.Globalization;
using Analytics.Api.Reports;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.Goals;
using Analytics.Storage.Hosting;
using Analytics.Tests.Infrastructure;
using NodaTime;

namespace Analytics.Tests.Reports;

/// <summary>
/// Goals in reports, held equal to counts this test makes itself from the raw events (its own reading of each goal:
/// an event name and props, a page pattern, a page scrolled to a share), in zones with odd offsets and DST changes.
/// </summary>
public sealed class GoalReportTests(GoalReportTests.Data data) : IClassFixture<GoalReportTests.Data>
{
    public sealed class Data(Engines engines) : IAsyncLifetime
    {
        public IClickHouse ClickHouse { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            ClickHouse = await engines.NewClickHouseAsync();
            await GeneratedTraffic.LoadAsync(ClickHouse, Zones.Select(z => ((ulong)z.Id, z.Zone, z.DayZone)), Instant.FromUtc(2026, 10, 20, 0, 0), Instant.FromUtc(2026, 11, 6, 0, 0),
                sessionsPerDay: 300, visitorPool: 2_000, seedBase: 700);

            // Every paid signup paid again a second later in euros, so that revenue in a goal's currency
            // leaves some out (the generated traffic pays in dollars only). The source's currency is named by its table: the
            // REPLACE alias would shadow it in the WHERE.
            await ClickHouse.ExecuteAsync("""
                INSERT INTO events SELECT * REPLACE (timestamp + INTERVAL 1 SECOND AS timestamp, 'EUR' AS revenue_currency, revenue_amount * 2 AS revenue_amount,
                    0 AS session_first, 0 AS bounce_delta, 0 AS duration_delta_ms, 0 AS engaged_first, 0 AS scroll_gain)
                FROM events WHERE name = 'Signup' AND events.revenue_currency = 'USD'
                """);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>One property with UTC rollup days (added before day zones), two with their own zone's.</summary>
    private static readonly (long Id, string Zone, string DayZone)[] Zones = [(1, "Asia/Kathmandu", "UTC"), (2, "Australia/Lord_Howe", "Australia/Lord_Howe"), (3, "America/New_York", "America/New_York")];

    public static TheoryData<long, string> ZoneCases() => new(Zones.Select(z => (z.Id, z.Zone)));

    /// <summary>The goals of every property here: each kind, a revenue goal, props, and both wildcards.</summary>
    private static IReadOnlyList<Goal> GoalsOf(long propertyId) =>
    [
        new(1, propertyId, "Signup", "Signup", null, null, "USD", "{}", DateTime.UtcNow),
        new(2, propertyId, "Pro signup", "Signup", null, null, null, """{"plan":"pro"}""", DateTime.UtcNow),
        new(3, propertyId, "File Download", "File Download", null, null, null, "{}", DateTime.UtcNow),
        new(4, propertyId, "Visit docs", null, "/docs/**", null, null, "{}", DateTime.UtcNow),
        new(5, propertyId, "Visit a post", null, "/blog/*", null, null, "{}", DateTime.UtcNow),
        new(6, propertyId, "Visit /pricing", null, "/pricing", null, null, "{}", DateTime.UtcNow),
        new(7, propertyId, "Read a post", null, "/blog/**", 75, null, "{}", DateTime.UtcNow),
        new(8, propertyId, "Never", "No such event", null, null, null, "{}", DateTime.UtcNow),
    ];

    private ReportEngine Engine => new(data.ClickHouse);

    private static ReportQuery Query(long propertyId, string zoneId, IReadOnlyList<Metric> metrics, Filter? filter, params string[] dimensions)
    {
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        return new ReportQuery
        {
            PropertyId = propertyId,
            Zone = zone,
            DayZone = DateTimeZoneProviders.Tzdb[Zones.Single(z => z.Id == propertyId).DayZone],
            Range = ReportRanges.Days(zone, new LocalDate(2026, 10, 24), new LocalDate(2026, 11, 2)), // both autumn DST changes
            Metrics = metrics,
            Dimensions = dimensions.Select(d => Dimension.Parse(d, "dimensions")).ToList(),
            Filter = filter,
            Goals = GoalsOf(propertyId),
        };
    }

    private static Condition Goal(params string[] names) => new(FilterOperator.Is, Dimension.Parse("event:goal", "filters"), names);

    [Theory]
    [MemberData(nameof(ZoneCases))]
    public async Task ByGoal_VisitorsEventsConversionRateAndRevenue_EqualACountOfTheRawEvents(long propertyId, string zoneId)
    {
        var query = Query(propertyId, zoneId, [Metric.Visitors, Metric.Events, Metric.ConversionRate, Metric.TotalRevenue, Metric.AverageRevenue, Metric.Visits], null, "event:goal");
        var events = await EventsAsync(query);
        var visitEvents = await VisitEventsAsync(query);
        var all = events.Where(e => e.Name != "engagement").Select(e => e.VisitorId).Distinct().Count();

        var rows = (await Engine.RunAsync(query, CancellationToken.None)).Rows.ToDictionary(r => r.Dimensions[0], r => r.Metrics);
        var expected = GoalsOf(propertyId).Select(g => (Goal: g, Done: events.Where(e => Completes(g, e)).ToList())).Where(x => x.Done.Count > 0).ToList();
        Assert.Equal(expected.Select(x => x.Goal.DisplayName).Order(), rows.Keys.Order());
        Assert.True(expected.Count == 7, $"every goal but one has completions: {expected.Count}");
        foreach (var (goal, done) in expected)
        {
            var visitors = done.Select(e => e.VisitorId).Distinct().Count();
            var paid = done.Where(e => e.Currency == goal.Currency).ToList();
            var revenue = goal.Currency is null ? double.NaN : Math.Round(paid.Sum(e => e.Revenue), 2);
            var average = goal.Currency is null || paid.Count == 0 ? double.NaN : Math.Round(paid.Sum(e => e.Revenue) / paid.Count, 2);
            var visits = visitEvents.Where(e => Completes(goal, e)).Select(e => e.SessionId).Distinct().Count();
            var row = rows[goal.DisplayName];
            var completions = goal.Kind == GoalKind.Scroll ? double.NaN : done.Count; // engagement pings: null, as Plausible answers
            Assert.Equal([visitors, completions, revenue, average, visits], [row[0], row[1], row[3], row[4], row[5]]);
            AssertRateClose(100.0 * visitors / all, row[2], goal.DisplayName);
        }

        Assert.True(rows["Signup"][3] > 0 && rows["Signup"][3] % 49 == 0, "pro signups pay 49 USD each (the euros left out)");
        Assert.Contains(events, e => e.Name == "Signup" && e.Currency == "EUR");
    }

    [Theory]
    [MemberData(nameof(ZoneCases))]
    public async Task ByGoal_FromTheDailyRollup_EqualsRawEvents(long propertyId, string zoneId)
    {
        // Ten local days: whole UTC days from the rollup's name and pageview rows, the edges from raw events, and the
        // scroll and property-value goals from raw events over the whole range.
        var query = Query(propertyId, zoneId, [Metric.Visitors, Metric.Events, Metric.Pageviews, Metric.ConversionRate, Metric.TotalRevenue, Metric.AverageRevenue], null, "event:goal");
        Assert.Equal("Daily", ReportEngine.Explain(query with { Filter = new Condition(FilterOperator.Is, Dimension.Parse("event:goal", "filters"), [.. GoalsOf(propertyId).Select(g => g.DisplayName)]) }).Events);
        var rollup = (await Engine.RunAsync(query, CancellationToken.None)).Rows.ToDictionary(r => r.Dimensions[0], r => r.Metrics);
        var raw = (await Engine.RunAsync(query with { Source = ReportSource.Raw }, CancellationToken.None)).Rows.ToDictionary(r => r.Dimensions[0], r => r.Metrics);
        Assert.Equal(raw.Keys.Order(), rollup.Keys.Order());
        Assert.True(raw.Count == 7, $"{raw.Count} goals with completions");
        foreach (var (goal, metrics) in raw)
        {
            GeneratedTraffic.AssertVisitorsClose((ulong)metrics[0], (ulong)rollup[goal][0], goal);
            Assert.Equal((metrics[1], metrics[2], metrics[4], metrics[5]), (rollup[goal][1], rollup[goal][2], rollup[goal][4], rollup[goal][5])); // revenue in the goal's currency
            Assert.True(Math.Abs(metrics[3] - rollup[goal][3]) <= metrics[3] * 0.02 + 0.1, $"{goal}: conversion rate {rollup[goal][3]} vs raw {metrics[3]}");
        }

        Assert.True(rollup["Signup"][4] > 0, "the revenue goal's revenue comes from the rollup's goal:revenue rows");

        // Only goals the rollup does not hold: raw events.
        Assert.Equal("Sessions", ReportEngine.Explain(query with { Filter = new Condition(FilterOperator.Is, Dimension.Parse("event:goal", "filters"), ["Read a post", "Pro signup"]) }).Events);
        Assert.Equal("Daily", ReportEngine.Explain(query with { Metrics = [Metric.Visitors, Metric.TotalRevenue], Filter = new Condition(FilterOperator.Is, Dimension.Parse("event:goal", "filters"), ["Signup"]) }).Events);
    }

    [Theory]
    [MemberData(nameof(ZoneCases))]
    public async Task UnderAGoalFilter_BySource_ConversionRatesDivideByAllVisitorsOrTheSourcesVisitors(long propertyId, string zoneId)
    {
        var query = Query(propertyId, zoneId, [Metric.Visitors, Metric.ConversionRate, Metric.GroupConversionRate, Metric.Visits, Metric.Events], Goal("Visit docs", "Pro signup"), "visit:source");
        var events = await EventsAsync(query);
        var visitEvents = await VisitEventsAsync(query);
        var goals = GoalsOf(propertyId).Where(g => g.DisplayName is "Visit docs" or "Pro signup").ToList();
        var done = events.Where(e => goals.Any(g => Completes(g, e))).ToList();
        var all = events.Where(e => e.Name != "engagement").Select(e => e.VisitorId).Distinct().Count();

        var rows = (await Engine.RunAsync(query, CancellationToken.None)).Rows.ToDictionary(r => r.Dimensions[0], r => r.Metrics);
        var bySource = done.GroupBy(SourceOf).ToList();
        Assert.Equal(bySource.Select(g => g.Key).Order(), rows.Keys.Order());
        foreach (var source in bySource)
        {
            var visitors = source.Select(e => e.VisitorId).Distinct().Count();
            var sourceVisitors = events.Where(e => e.Name != "engagement" && SourceOf(e) == source.Key).Select(e => e.VisitorId).Distinct().Count();
            var visits = visitEvents.Where(e => SourceOf(e) == source.Key && goals.Any(g => Completes(g, e))).Select(e => e.SessionId).Distinct().Count();
            var row = rows[source.Key];
            Assert.Equal([visitors, visits, source.Count()], [row[0], row[3], row[4]]);
            // Both rates divide by visitors the daily rollup's sketches count: exact only for a few hundred of them.
            AssertRateClose(100.0 * visitors / sourceVisitors, row[2], source.Key + " of its own visitors");
            AssertRateClose(100.0 * visitors / all, row[1], source.Key);
        }
    }

    [Theory]
    [MemberData(nameof(ZoneCases))]
    public async Task ConversionsOverTime_AreCountedOnTheirLocalDays(long propertyId, string zoneId)
    {
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        var query = Query(propertyId, zoneId, [Metric.Visitors, Metric.Events, Metric.GroupConversionRate], Goal("Read a post"), "time:day");
        var events = await EventsAsync(query);
        var goal = GoalsOf(propertyId).Single(g => g.DisplayName == "Read a post");
        LocalDate Day(Row e) => Instant.FromDateTimeUtc(DateTime.SpecifyKind(e.Timestamp, DateTimeKind.Utc)).InZone(zone).Date;

        var rows = (await Engine.RunAsync(query, CancellationToken.None)).Rows;
        Assert.Equal(10, rows.Count);
        foreach (var row in rows)
        {
            var day = LocalDate.FromDateTime(DateTime.Parse(row.Dimensions[0], CultureInfo.InvariantCulture));
            var done = events.Where(e => Day(e) == day && Completes(goal, e)).ToList();
            var dayVisitors = events.Where(e => Day(e) == day && e.Name != "engagement").Select(e => e.VisitorId).Distinct().Count();
            var visitors = done.Select(e => e.VisitorId).Distinct().Count();
            Assert.Equal([visitors, double.NaN, dayVisitors == 0 ? 0 : Math.Round(100.0 * visitors / dayVisitors, 1)], row.Metrics); // a scroll goal's events: null
        }

        Assert.True(rows.Sum(r => r.Metrics[0]) > 10, "scroll goals are reached");
    }

    [Theory]
    [MemberData(nameof(ZoneCases))]
    public async Task HasDoneAndHasNotDone_SplitTheVisitsByWhetherTheyCompletedAGoalInTheRange(long propertyId, string zoneId)
    {
        var query = Query(propertyId, zoneId, [Metric.Visitors, Metric.Pageviews, Metric.Visits], null);
        var events = await EventsAsync(query);
        var signup = GoalsOf(propertyId).Single(g => g.DisplayName == "Signup");
        var converted = events.Where(e => Completes(signup, e)).Select(e => e.SessionId).ToHashSet();
        Assert.True(converted.Count > 10, $"{converted.Count} visits signed up");

        foreach (var done in new[] { true, false })
        {
            var rows = events.Where(e => converted.Contains(e.SessionId) == done).ToList();
            var expected = new double[]
            {
                rows.Where(e => e.Name != "engagement").Select(e => e.VisitorId).Distinct().Count(),
                rows.Count(e => e.Name == "pageview"),
                rows.Where(e => e.SessionStart >= query.Range.From.ToDateTimeUtc()).Select(e => e.SessionId).Distinct().Count(), // visits that started in the range
            };
            var result = await Engine.RunAsync(query with { Filter = new Behaviour(Goal("Signup"), done) }, CancellationToken.None);
            Assert.Equal(expected, result.Rows.Single().Metrics);
        }

        // On a page too: the visits that saw the pricing page, by their entry page.
        var pricing = events.Where(e => e.Name == "pageview" && e.Pathname == "/pricing").Select(e => e.SessionId).ToHashSet();
        var byEntry = (await Engine.RunAsync(query with
        {
            Metrics = [Metric.Visits], Dimensions = [Dimension.Parse("visit:entry_page", "dimensions")],
            Filter = new Behaviour(new Condition(FilterOperator.Is, Dimension.Parse("event:page", "filters"), ["/pricing"]), true),
        }, CancellationToken.None)).Rows.Sum(r => r.Metrics[0]);
        Assert.Equal(events.Where(e => pricing.Contains(e.SessionId) && e.SessionStart >= query.Range.From.ToDateTimeUtc()).Select(e => e.SessionId).Distinct().Count(), byEntry);
    }

    private static readonly string[] FunnelSteps = ["Visit /pricing", "Visit docs", "File Download", "Read a post"];

    [Theory]
    [MemberData(nameof(ZoneCases))]
    public async Task Funnels_CountTheVisitorsWhoseEventsWentThroughTheStepsInOrderWithin24Hours(long propertyId, string zoneId)
    {
        var goals = GoalsOf(propertyId);
        var funnel = new Analytics.Storage.Funnels.Funnel(1, propertyId, "Docs to reading",
            [.. FunnelSteps.Select(n => goals.Single(g => g.DisplayName == n))]);
        foreach (var filter in new Filter?[] { null, new Condition(FilterOperator.Is, Dimension.Parse("visit:source", "filters"), ["Google", "Direct / None"]) })
        {
            var query = Query(propertyId, zoneId, [Metric.Visitors], filter);
            var events = await EventsAsync(query);
            var passing = filter is null ? events : events.Where(e => e.Source is "Google" or "").ToList();

            // The test's own reading, Plausible's rule: a visitor's events in time order; a first step starts a chain
            // (the latest one wins), and a later step extends the chain of the step before it if that chain began at
            // most 24 hours earlier. The visitor reached the furthest step a chain got to.
            var furthest = passing.GroupBy(e => e.VisitorId).Select(visitor =>
            {
                var started = new DateTime?[funnel.Steps.Count];
                foreach (var e in visitor.OrderBy(e => e.Timestamp))
                {
                    for (var step = 0; step < funnel.Steps.Count; step++)
                    {
                        if (!Completes(funnel.Steps[step], e))
                        {
                            continue;
                        }

                        if (step == 0)
                        {
                            started[0] = e.Timestamp;
                        }
                        else if (started[step - 1] is { } start && e.Timestamp <= start.AddDays(1))
                        {
                            started[step] = start;
                        }
                    }
                }

                return Array.FindLastIndex(started, s => s is not null) + 1;
            }).ToList();
            var reached = Enumerable.Range(1, funnel.Steps.Count).Select(step => (long)furthest.Count(l => l >= step)).ToList();

            var result = await Engine.FunnelAsync(query, funnel, CancellationToken.None);
            Assert.Equal(reached, result.Steps.Select(s => s.Visitors));
            Assert.True(reached[0] > reached[1] && reached[1] > reached[2] && reached[2] > 0, $"every step loses some and keeps some: {string.Join(", ", reached)}");
            Assert.Equal(funnel.Steps.Select(g => g.DisplayName), result.Steps.Select(s => s.Label));
            Assert.Equal([100, Math.Round(100.0 * reached[1] / reached[0], 2)], [result.Steps[0].ConversionRate, result.Steps[1].ConversionRate]);
            Assert.Equal((reached[1] - reached[2], Math.Round(100.0 * reached[2] / reached[1], 2)), (result.Steps[2].Dropoff, result.Steps[2].ConversionRateStep));
            Assert.Equal(reached[0], result.EnteringVisitors);
            Assert.Equal(result.AllVisitors - reached[0], result.NeverEnteringVisitors);
            GeneratedTraffic.AssertVisitorsClose((ulong)passing.Where(e => e.Name != "engagement").Select(e => e.VisitorId).Distinct().Count(), (ulong)result.AllVisitors, "all visitors");
        }
    }

    [Fact]
    public async Task GoalConditions_OrAmongTheirNames_AndContainsMatchesDisplayNames()
    {
        var (id, zone, _) = Zones[0];
        async Task<double[]> Totals(Filter filter) => [.. (await Engine.RunAsync(Query(id, zone, [Metric.Visitors, Metric.Events], filter), CancellationToken.None)).Rows.Single().Metrics];

        var signup = await Totals(Goal("Signup"));
        var pro = await Totals(Goal("Pro signup"));
        Assert.True(pro[1] > 0 && pro[1] < signup[1], $"pro signups {pro[1]} are some of the signups {signup[1]}");
        Assert.Equal(signup, await Totals(Goal("Signup", "Pro signup"))); // either goal: the pro signups are signups
        Assert.Equal(signup, await Totals(new Condition(FilterOperator.Contains, Dimension.Parse("event:goal", "filters"), ["SIGNUP"], CaseSensitive: false)));
        Assert.Equal(pro, await Totals(new AllOf([Goal("Signup"), Goal("Pro signup")]))); // both conditions: events that complete both
    }

    [Theory]
    [InlineData("""[["is", "event:goal", ["Nope"]]]""", "visitors", null, "the goal 'Nope' is not configured")]
    [InlineData("""[["is_not", "event:goal", ["Signup"]]]""", "visitors", null, "is or contains")]
    [InlineData(null, "conversion_rate", null, "conversion_rate can only be queried with an event:goal")]
    [InlineData(null, "average_revenue", "visit:source", "average_revenue can only be queried with an event:goal")]
    [InlineData(null, "bounce_rate", "event:goal", "bounce_rate is a visit's metric")]
    [InlineData("""[["has_done", ["is", "visit:country", ["DE"]]]]""", "visitors", null, "has_done and has_not_done take conditions on events")]
    [InlineData("""[["has_done", ["has_not_done", ["is", "event:name", ["Signup"]]]]]""", "visitors", null, "not another has_done")]
    public async Task GoalQueriesTheEngineCannotAnswer_AreRefusedNamingTheReason(string? filters, string metric, string? dimension, string message)
    {
        var (id, zone, _) = Zones[0];
        var query = Query(id, zone, [Metrics.Parse(metric, "metrics")], FilterJson.Parse(filters), dimension is null ? [] : [dimension]);
        var error = await Assert.ThrowsAsync<FieldValidationException>(() => Engine.RunAsync(query, CancellationToken.None));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/blog/*", "/blog/ /blog/a /blog/a.b /blog/axb")]
    [InlineData("/blog/**", "/blog/ /blog/a /blog/a.b /blog/axb /blog/a/b")]
    [InlineData("/blog/a/*", "/blog/a/b")]
    [InlineData("/*", "/blog /blogs /(x)|[y]+$")]
    [InlineData("/blog*", "/blog /blogs")]
    [InlineData("/blog/a?b", "")]
    [InlineData("/**/b", "/blog/a/b")]
    [InlineData("/blog/a.b", "/blog/a.b")]
    [InlineData("/(x)|[y]+$", "/(x)|[y]+$")]
    [InlineData("/blog", "/blog")]
    public async Task PageGoals_StarCoversASegment_TwoStarsAnyPath_AndEverythingElseIsItself(string pattern, string covered)
    {
        // Each path is one visitor's pageview; the goal's visitors are the paths it covers.
        string[] paths = ["/blog", "/blog/", "/blogs", "/blog/a", "/blog/a.b", "/blog/axb", "/blog/a/b", "/(x)|[y]+$"];
        var property = new Analytics.Storage.Properties.Property(20, "paths.example", "Paths", "UTC", DateTime.UtcNow, 1, string.Empty, null, false);
        var lines = paths.Select((path, i) => $$"""{"timestamp":"2026-09-11T10:00:0{{i}}Z","name":"pageview","visitor_id":"v{{i}}","hostname":"paths.example","pathname":{{System.Text.Json.JsonSerializer.Serialize(path)}}}""");
        if ((await data.ClickHouse.QueryAsync<Count>("SELECT count() AS n FROM events WHERE property_id = 20")).Single().N == 0)
        {
            await Analytics.Ingest.Transfer.EventImport.RunAsync(data.ClickHouse, property, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines))), _ => { }, CancellationToken.None);
        }

        var zone = DateTimeZoneProviders.Tzdb["UTC"];
        var query = new ReportQuery
        {
            PropertyId = 20, Zone = zone, DayZone = zone, Range = ReportRanges.Days(zone, new LocalDate(2026, 9, 11), new LocalDate(2026, 9, 11)), Metrics = [Metric.Visitors],
            Filter = Goal("G"), Goals = [new(1, 20, "G", null, pattern, null, null, "{}", DateTime.UtcNow)],
        };
        var expected = covered.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(expected, path => Assert.True(Covers(pattern, path), $"the test's own reading covers {path}"));
        Assert.Equal(expected.Length, (await Engine.RunAsync(query, CancellationToken.None)).Rows.SingleOrDefault()?.Metrics[0] ?? 0);
        Assert.Equal(paths.Count(p => Covers(pattern, p)), expected.Length);

        // The Goals panel reads the day's rollup rows: the goal:pageview row of each path, or for a directory's pages
        // (/blog/*) its goal:page_dir row.
        var byGoal = query with { Filter = null, Dimensions = [Dimension.Parse("event:goal", "dimensions")], Metrics = [Metric.Visitors, Metric.Events] };
        Assert.Equal("Daily", ReportEngine.Explain(byGoal).Events);
        var row = (await Engine.RunAsync(byGoal, CancellationToken.None)).Rows.SingleOrDefault();
        Assert.Equal((expected.Length, expected.Length), ((int)(row?.Metrics[0] ?? 0), (int)(row?.Metrics[1] ?? 0)));
    }

    [Fact]
    public async Task WithoutGoals_AGoalBreakdownIsEmpty()
    {
        var (id, zone, _) = Zones[0];
        var result = await Engine.RunAsync(Query(id, zone, [Metric.Visitors], null, "event:goal") with { Goals = [] }, CancellationToken.None);
        Assert.Empty(result.Rows);
    }

    /// <summary>
    /// A conversion rate over all the range's visitors: that total is the dashboard's (the rollups' estimate, within
    /// 2% of the exact count), so the rate is within 2% of the exact one, and the rounding to a tenth.
    /// </summary>
    private static void AssertRateClose(double exact, double rate, string context)
        => Assert.True(Math.Abs(exact - rate) <= exact * 0.02 + 0.05, $"{context}: conversion rate {rate}, exactly {exact:0.###}");

    /// <summary>The test's own reading of a goal: the event's name and props, or a pageview (scroll: engagement at the share) on a page the pattern covers.</summary>
    private static bool Completes(Goal goal, Row e) => goal.Kind switch
    {
        GoalKind.Event => e.Name == goal.EventName && goal.CustomProps.All(p => p.Key == "plan" && e.Plan == p.Value),
        GoalKind.Page => e.Name == "pageview" && Covers(goal.PagePath!, e.Pathname),
        _ => e.Name == "engagement" && e.ScrollDepth >= goal.ScrollThreshold && Covers(goal.PagePath!, e.Pathname),
    };

    /// <summary>Whether a page pattern covers a path: "**" any characters, "*" any within one segment.</summary>
    private static bool Covers(string pattern, string path)
    {
        if (pattern.Length == 0)
        {
            return path.Length == 0;
        }

        if (pattern.StartsWith("**", StringComparison.Ordinal))
        {
            return Enumerable.Range(0, path.Length + 1).Any(i => Covers(pattern[2..], path[i..]));
        }

        if (pattern[0] == '*')
        {
            return Enumerable.Range(0, path.Length + 1).TakeWhile(i => i == 0 || path[i - 1] != '/').Any(i => Covers(pattern[1..], path[i..]));
        }

        return path.Length > 0 && path[0] == pattern[0] && Covers(pattern[1..], path[1..]);
    }

    /// <summary>An event's <c>visit:source</c> as a breakdown labels it.</summary>
    private static string SourceOf(Row e) => e.Source.Length == 0 ? Dimension.NoReferrer : e.Source;

    /// <summary>The events in the range: what event metrics count.</summary>
    private Task<IReadOnlyList<Row>> EventsAsync(ReportQuery query) => RowsAsync(query, "timestamp");

    /// <summary>
    /// Every event of the visits that started in the range, those after its end too: visit metrics describe those
    /// visits, and a goal a visit completed after the range's end still marks it (docs/api.md).
    /// </summary>
    private Task<IReadOnlyList<Row>> VisitEventsAsync(ReportQuery query) => RowsAsync(query, "session_start");

    private async Task<IReadOnlyList<Row>> RowsAsync(ReportQuery query, string time) => await data.ClickHouse.QueryAsync<Row>(
        $$"""
        SELECT timestamp, toString(name) AS name, toString(visitor_id) AS visitor_id, toString(session_id) AS session_id, session_start, pathname,
               props['plan'] AS plan, scroll_depth, toFloat64(revenue_amount) AS revenue, toString(revenue_currency) AS currency, toString(referrer_source) AS source
        FROM events WHERE property_id = {p:UInt64} AND {{time}} >= {from:DateTime64(3)} AND {{time}} < {to:DateTime64(3)}
        """,
        new { p = (ulong)query.PropertyId, from = query.Range.From, to = query.Range.To });

    private sealed record Count(ulong N);

    private sealed record Row(DateTime Timestamp, string Name, string VisitorId, string SessionId, DateTime SessionStart, string Pathname, string Plan, int ScrollDepth, double Revenue, string Currency, string Source);
}

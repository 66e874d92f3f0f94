using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Analytics.Storage.Properties;
using Analytics.Api.Reports;
using Analytics.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace Analytics.Tests.Api;

/// <summary>The reporting endpoints over HTTP: Plausible's v2 and v1 shapes, the native endpoints, key scopes, limits and errors.</summary>
public sealed class ReportApiTests(ReportApiTests.Data data, Engines engines) : IClassFixture<ReportApiTests.Data>
{
    public sealed class Data(Engines engines) : IAsyncLifetime
    {
        public static readonly DateTimeOffset Now = new(2026, 11, 5, 12, 0, 0, TimeSpan.Zero);

        public ApiApp App { get; private set; } = null!;

        public Property A { get; private set; } = null!;

        public Property B { get; private set; } = null!;

        /// <summary>A key that may read property A only.</summary>
        public HttpClient OnlyA { get; private set; } = null!;

        /// <summary>A key that may read every property.</summary>
        public HttpClient All { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            var clickHouse = await engines.NewClickHouseAsync();
            App = await ApiApp.StartAsync(engines, clickHouse, Now);
            A = await App.AddPropertyAsync("a.example", "Asia/Kathmandu");
            B = await App.AddPropertyAsync("b.example", "America/New_York");
            await GeneratedTraffic.LoadAsync(clickHouse, [((ulong)A.Id, A.Timezone, A.DayZone), ((ulong)B.Id, B.Timezone, B.DayZone)],
                Instant.FromUtc(2026, 10, 20, 0, 0), Instant.FromDateTimeOffset(Now), sessionsPerDay: 120, visitorPool: 800, seedBase: 300);
            OnlyA = await App.ClientWithKeyAsync([A.Id]);
            All = await App.ClientWithKeyAsync(null);
        }

        public async ValueTask DisposeAsync() => await App.DisposeAsync();
    }

    private static async Task<JsonNode> PostQueryAsync(HttpClient client, string body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await client.PostAsync("/api/v2/query", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    private static double[] MetricsOf(JsonNode row) => row["metrics"]!.AsArray().Select(m => m!.GetValue<double>()).ToArray();

    private ReportQuery EngineQuery(Property property, LocalDate first, LocalDate last, IReadOnlyList<Metric> metrics) => new()
    {
        PropertyId = property.Id,
        Zone = property.Zone,
        DayZone = property.Days,
        Range = ReportRanges.Days(property.Zone, first, last),
        Metrics = metrics,
    };

    [Fact]
    public async Task V2Query_Aggregate_WithAndWithoutFilters_EqualsTheEngine()
    {
        var engine = data.App.Services.GetRequiredService<ReportEngine>();
        var metrics = new[] { Metric.Visitors, Metric.Visits, Metric.Pageviews, Metric.BounceRate, Metric.VisitDuration, Metric.ViewsPerVisit };

        var all = await PostQueryAsync(data.OnlyA, """
            {"site_id": "a.example", "metrics": ["visitors", "visits", "pageviews", "bounce_rate", "visit_duration", "views_per_visit"],
             "date_range": ["2026-10-25", "2026-11-01"]}
            """);
        var expected = await engine.RunAsync(EngineQuery(data.A, new LocalDate(2026, 10, 25), new LocalDate(2026, 11, 1), metrics), CancellationToken.None);
        Assert.Equal(expected.Rows.Single().Metrics, MetricsOf(all["results"]![0]!));
        Assert.True(MetricsOf(all["results"]![0]!)[2] > 500);
        Assert.Equal("2026-10-25T00:00:00+05:45", all["query"]!["date_range"]![0]!.GetValue<string>());

        var filtered = await PostQueryAsync(data.OnlyA, """
            {"site_id": "a.example", "metrics": ["visitors", "pageviews"], "date_range": ["2026-10-25", "2026-11-01"],
             "filters": [["is", "visit:country", ["US", "DE"]], ["contains", "event:page", ["/BLOG"], {"case_sensitive": false}]]}
            """);
        var filter = new AllOf([
            new Condition(FilterOperator.Is, Dimension.Parse("visit:country", "f"), ["US", "DE"]),
            new Condition(FilterOperator.Contains, Dimension.Parse("event:page", "f"), ["/BLOG"], CaseSensitive: false)]);
        var expectedFiltered = await engine.RunAsync(EngineQuery(data.A, new LocalDate(2026, 10, 25), new LocalDate(2026, 11, 1), [Metric.Visitors, Metric.Pageviews]) with { Filter = filter }, CancellationToken.None);
        Assert.Equal(expectedFiltered.Rows.Single().Metrics, MetricsOf(filtered["results"]![0]!));
        Assert.InRange(MetricsOf(filtered["results"]![0]!)[1], 1, MetricsOf(all["results"]![0]!)[2] / 2);
    }

    [Fact]
    public async Task V2Query_FilterValuesWithQuotesAndBackslashes_AreMatchedAsWritten()
    {
        // Lists of such values once reached ClickHouse escaped twice: a quote broke the statement (a 500).
        const string Range = "\"date_range\": [\"2026-10-25\", \"2026-11-01\"]";
        var plain = await PostQueryAsync(data.OnlyA, $$"""
            {"site_id": "a.example", "metrics": ["visitors"], {{Range}},
             "filters": [["is_not", "event:page", ["/no such page"]], ["contains_not", "event:page", ["no such text"]], ["is_not", "visit:source", ["No such source"]]]}
            """);
        var odd = await PostQueryAsync(data.OnlyA, $$"""
            {"site_id": "a.example", "metrics": ["visitors"], {{Range}},
             "filters": [["is_not", "event:page", ["/it's", "C:\\dir\\", "tab\there"]], ["contains_not", "event:page", ["'", "\\"]],
                         ["is_not", "visit:source", ["O'Reilly"]]]}
            """);
        var quoted = await PostQueryAsync(data.OnlyA, $$"""
            {"site_id": "a.example", "metrics": ["visitors"], {{Range}}, "filters": [["is", "event:page", ["/it's", "/"]]]}
            """);

        Assert.Equal(MetricsOf(plain["results"]![0]!), MetricsOf(odd["results"]![0]!)); // no page or source has them either
        Assert.InRange(MetricsOf(quoted["results"]![0]!)[0], 1, MetricsOf(plain["results"]![0]!)[0] - 1); // "/" alone
    }

    /// <summary>
    /// Saved segments in the Stats API as Plausible takes them: <c>["is", "segment", [id]]</c> reads exactly as the
    /// segment's own filters (several ids: any of them), beside other filters; a segment of another property, an
    /// unknown id, or one inside "and" is a 400 naming the place.
    /// </summary>
    [Fact]
    public async Task V2Query_SegmentFilter_ReadsAsItsFilters_AndOnlyThePropertysSegmentsAreKnown()
    {
        var segments = data.App.Services.GetRequiredService<SegmentStore>();
        const string Germany = """[["is", "visit:country", ["DE"]]]""";
        const string Blog = """[["contains", "event:page", ["/blog"]], ["is_not", "visit:device", ["Mobile"]]]""";
        var germany = await segments.AddAsync(data.A.Id, null, "Germany", Germany, shared: true, CancellationToken.None);
        var blog = await segments.AddAsync(data.A.Id, null, "Blog on desktops", Blog, shared: true, CancellationToken.None);
        var elsewhere = await segments.AddAsync(data.B.Id, null, "B's", Germany, shared: true, CancellationToken.None);

        async Task<double[]> RunAsync(string filters) => MetricsOf((await PostQueryAsync(data.OnlyA, $$"""
            {"site_id": "a.example", "metrics": ["visitors", "pageviews", "bounce_rate"], "date_range": ["2026-10-25", "2026-11-01"], "filters": {{filters}}}
            """))["results"]![0]!);

        var all = await RunAsync("[]");
        var inGermany = await RunAsync(Germany);
        Assert.InRange(inGermany[0], 1, all[0] - 1);
        Assert.Equal(inGermany, await RunAsync($"[[\"is\", \"segment\", [{germany.Id}]]]"));
        Assert.Equal(await RunAsync("""[["is", "visit:country", ["DE"]], ["is", "visit:browser", ["Firefox"]]]"""), await RunAsync($"[[\"is\", \"segment\", [\"{germany.Id}\"]], [\"is\", \"visit:browser\", [\"Firefox\"]]]"));
        Assert.Equal(
            await RunAsync($"[[\"or\", [[\"and\", {Germany}], [\"and\", {Blog}]]]]"),
            await RunAsync($"[[\"is\", \"segment\", [{germany.Id}, {blog.Id}]]]"));

        foreach (var (filters, field) in new[]
        {
            ($"[[\"is\", \"segment\", [{elsewhere.Id}]]]", "filters[0][2][0]"),
            ("[[\"is\", \"segment\", [987654321]]]", "filters[0][2][0]"),
            ($"[[\"is_not\", \"segment\", [{germany.Id}]]]", "filters[0]"),
            ($"[[\"and\", [[\"is\", \"segment\", [{germany.Id}]]]]]", "filters[0][1][0][1]"),
        })
        {
            var problem = await PostQueryAsync(data.OnlyA, $$"""{"site_id": "a.example", "metrics": ["visitors"], "date_range": "7d", "filters": {{filters}}}""", HttpStatusCode.BadRequest);
            Assert.True(field == problem["field"]?.GetValue<string>(), $"{filters}: {problem.ToJsonString()}");
        }
    }

    [Fact]
    public async Task V2Query_Timeseries_DaysAndHours_WithTimeLabels_AddUpToTheAggregate()
    {
        var total = MetricsOf((await PostQueryAsync(data.OnlyA, """{"site_id": "a.example", "metrics": ["pageviews"], "date_range": ["2026-10-25", "2026-11-01"]}"""))["results"]![0]!)[0];

        var days = await PostQueryAsync(data.OnlyA, """
            {"site_id": "a.example", "metrics": ["pageviews", "visitors"], "date_range": ["2026-10-25", "2026-11-01"], "dimensions": ["time:day"],
             "include": {"time_labels": true}}
            """);

        Assert.Equal(Enumerable.Range(25, 7).Select(d => $"2026-10-{d}").Append("2026-11-01"), days["meta"]!["time_labels"]!.AsArray().Select(l => l!.GetValue<string>()));
        Assert.Equal(total, days["results"]!.AsArray().Sum(r => MetricsOf(r!)[0]));
        Assert.Equal("2026-10-25", days["results"]![0]!["dimensions"]![0]!.GetValue<string>());

        // Weeks start on the range's first day when it cuts one (Wednesday 28 October here), as Plausible names them.
        var weeks = await PostQueryAsync(data.OnlyA, """
            {"site_id": "a.example", "metrics": ["pageviews"], "date_range": ["2026-10-28", "2026-11-04"], "dimensions": ["time:week"], "include": {"time_labels": true}}
            """);
        Assert.Equal(["2026-10-28", "2026-11-02"], weeks["meta"]!["time_labels"]!.AsArray().Select(l => l!.GetValue<string>()));
        Assert.Equal(["2026-10-28", "2026-11-02"], weeks["results"]!.AsArray().Select(r => r!["dimensions"]![0]!.GetValue<string>()));

        // Compared, every bucket stays beside its comparison (here the days after "now" are empty).
        var compared = await PostQueryAsync(data.OnlyA, """
            {"site_id": "a.example", "metrics": ["pageviews"], "date_range": ["2026-11-03", "2026-11-09"], "dimensions": ["time:day"], "include": {"comparisons": {"mode": "previous_period"}}}
            """);
        var alone = await PostQueryAsync(data.OnlyA, """{"site_id": "a.example", "metrics": ["pageviews"], "date_range": ["2026-11-03", "2026-11-09"], "dimensions": ["time:day"]}""");
        Assert.Equal(7, compared["results"]!.AsArray().Count);
        Assert.All(compared["results"]!.AsArray(), r => Assert.NotNull(r!["comparison"]));
        Assert.InRange(alone["results"]!.AsArray().Count, 2, 3);

        // Ordered by the time dimension, newest first.
        var newest = await PostQueryAsync(data.OnlyA, """
            {"site_id": "a.example", "metrics": ["pageviews", "visitors"], "date_range": ["2026-10-25", "2026-11-01"], "dimensions": ["time:day"], "order_by": [["time:day", "desc"]]}
            """);
        Assert.Equal(days["results"]!.AsArray().Select(r => r!.ToJsonString()).Reverse(), newest["results"]!.AsArray().Select(r => r!.ToJsonString()));

        // New York's clocks fall back on 1 November 2026: 25 hours, 1 AM twice.
        var oneDay = MetricsOf((await PostQueryAsync(data.All, """{"site_id": "b.example", "metrics": ["pageviews"], "date_range": ["2026-11-01", "2026-11-01"]}"""))["results"]![0]!)[0];
        var hours = await PostQueryAsync(data.All, """
            {"site_id": "b.example", "metrics": ["pageviews"], "date_range": ["2026-11-01", "2026-11-01"], "dimensions": ["time:hour"], "include": {"time_labels": true}}
            """);
        Assert.Equal(24, hours["meta"]!["time_labels"]!.AsArray().Count);
        Assert.Equal(["2026-11-01T00:00:00-04:00", "2026-11-01T23:59:59-05:00"], hours["query"]!["date_range"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal(oneDay, hours["results"]!.AsArray().Sum(r => MetricsOf(r!)[0]));
        Assert.All(hours["results"]!.AsArray(), r => Assert.StartsWith("2026-11-01 ", r!["dimensions"]![0]!.GetValue<string>(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task V2Query_Breakdown_OrderedAndPaged_WithTotalRowsAndComparison()
    {
        var page = await PostQueryAsync(data.OnlyA, """
            {"site_id": "a.example", "metrics": ["visitors", "bounce_rate"], "date_range": "7d", "dimensions": ["visit:source"],
             "order_by": [["visitors", "desc"]], "pagination": {"limit": 3, "offset": 1}, "include": {"total_rows": true, "comparisons": {"mode": "previous_period"}}}
            """);
        var everything = await PostQueryAsync(data.OnlyA, """
            {"site_id": "a.example", "metrics": ["visitors", "bounce_rate"], "date_range": "7d", "dimensions": ["visit:source"], "order_by": [["visitors", "desc"]]}
            """);

        var rows = page["results"]!.AsArray();
        Assert.Equal(3, rows.Count);
        Assert.Equal(everything["results"]!.AsArray().Count, page["meta"]!["total_rows"]!.GetValue<long>());
        Assert.True(everything["results"]!.AsArray().Count >= 6);
        Assert.Equal(everything["results"]!.AsArray().Skip(1).Take(3).Select(r => r!.ToJsonString()), rows.Select(r => new JsonObject { ["metrics"] = r!["metrics"]!.DeepClone(), ["dimensions"] = r["dimensions"]!.DeepClone() }.ToJsonString()));
        Assert.All(rows, r => Assert.Equal(2, r!["comparison"]!["change"]!.AsArray().Count));
        Assert.True(MetricsOf(rows[0]!)[0] >= MetricsOf(rows[1]!)[0]);
    }

    [Theory]
    [InlineData("visit:source", "Direct / None", "visits")]
    [InlineData("visit:referrer", "Direct / None", "visits")]
    [InlineData("visit:utm_source", "(not set)", "visits")]
    [InlineData("visit:utm_medium", "(not set)", "visits")]
    [InlineData("visit:utm_campaign", "(not set)", "visits")]
    [InlineData("event:props:plan", "(none)", "events")]
    public async Task BlankValues_AreLabelledAsPlausibleDoes_AndAnIsFilterOnTheLabelMatchesThem(string dimension, string label, string metric)
    {
        async Task<JsonArray> Rows(string extra) => (await PostQueryAsync(data.OnlyA, $$"""{"site_id": "a.example", "metrics": ["{{metric}}"], "date_range": "7d"{{extra}}}"""))["results"]!.AsArray();
        async Task<double> Filtered(string op, string value) => MetricsOf((await Rows($$""", "filters": [["{{op}}", "{{dimension}}", ["{{value}}"]]]"""))[0]!)[0];

        var rows = await Rows($$""", "dimensions": ["{{dimension}}"]""");
        var values = rows.ToDictionary(r => r!["dimensions"]![0]!.GetValue<string>(), r => MetricsOf(r!)[0]);
        var total = MetricsOf((await Rows(string.Empty))[0]!)[0];
        Assert.DoesNotContain(string.Empty, values.Keys);
        Assert.InRange(values[label], 1, total - 1); // blanks and values both, or the test tells nothing

        // "is" on the label, or on "(not set)" for any dimension, is the blank row; "is not" the rest.
        Assert.Equal(values[label], await Filtered("is", label));
        Assert.Equal(values[label], await Filtered("is", "(not set)"));
        Assert.Equal(total - values[label], await Filtered("is_not", label));

        // "contains" reads the stored value: the label is not in it.
        Assert.Equal(0, await Filtered("contains", label));

        // A negated filter on a custom property matches only the events that carry it; on a visit attribute, every other visit.
        var value = values.Where(v => v.Key != label).MaxBy(v => v.Value).Key;
        var carrying = dimension.StartsWith("event:props:", StringComparison.Ordinal) ? total - values[label] : total;
        Assert.Equal(carrying - values[value], await Filtered("is_not", value));
        Assert.Equal(carrying - values.Where(v => v.Key != label && v.Key.Contains(value, StringComparison.Ordinal)).Sum(v => v.Value), await Filtered("contains_not", value));

        // The v1 breakdown says it the same way.
        var name = dimension[(dimension.LastIndexOf(':') + 1)..];
        var v1 = JsonNode.Parse(await data.OnlyA.GetStringAsync($"/api/v1/stats/breakdown?site_id=a.example&period=7d&property={dimension}&metrics={metric}"))!;
        Assert.Contains(v1["results"]!.AsArray(), r => r![name]!.GetValue<string>() == label);
    }

    [Fact]
    public async Task SessionMetrics_ByPage_AreThoseOfVisitsThatEnteredThere_AndUnderAPageFilter_BouncesCountWhereVisitsEntered()
    {
        async Task<Dictionary<string, double[]>> By(string dimension, string filters = "[]") => (await PostQueryAsync(data.OnlyA, $$"""
            {"site_id": "a.example", "metrics": ["visits", "bounce_rate", "visit_duration"], "date_range": "7d", "dimensions": ["{{dimension}}"], "filters": {{filters}}}
            """))["results"]!.AsArray().ToDictionary(r => r!["dimensions"]![0]!.GetValue<string>(), r => MetricsOf(r!));

        // By page, a visit counts on the page it entered on, as Plausible splits it.
        var byPage = await By("event:page");
        var byEntry = await By("visit:entry_page");
        Assert.True(byEntry.Count >= 2, $"{byEntry.Count} entry pages");
        Assert.Equal(byEntry.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, string.Join(",", p.Value))),
            byPage.Where(p => p.Value[0] > 0).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, string.Join(",", p.Value))));

        // Under a filter on a page: the visits that saw it, with a bounce rate over those that entered on it.
        var page = byEntry.MaxBy(p => p.Value[0]).Key;
        async Task<double[]> Total(string filters) => MetricsOf((await PostQueryAsync(data.OnlyA, $$"""
            {"site_id": "a.example", "metrics": ["visits", "bounce_rate"], "date_range": "7d", "filters": {{filters}}}
            """))["results"]![0]!);
        var saw = await Total($$"""[["is", "event:page", ["{{page}}"]]]""");
        var entered = await Total($$"""[["is", "visit:entry_page", ["{{page}}"]]]""");
        Assert.True(saw[0] > entered[0], $"{saw[0]} visits saw {page}, {entered[0]} entered on it: the test tells nothing");
        Assert.Equal(entered[1], saw[1]);

        // A page breakdown under a page filter reads both as entry pages.
        var onPage = await By("event:page", $$"""[["is", "event:page", ["{{page}}"]]]""");
        Assert.Equal(byEntry[page], onPage[page]);
    }

    [Fact]
    public async Task ScrollDepthAndTimeOnPage_WithoutEngagement_AreNull_InPlausiblesApiAndOurs()
    {
        const string Filters = """[["is", "event:page", ["/no-such-page"]]]""";
        var v2 = await PostQueryAsync(data.OnlyA, $$"""{"site_id": "a.example", "metrics": ["pageviews", "scroll_depth", "time_on_page"], "date_range": "7d", "filters": {{Filters}}}""");
        var metrics = v2["results"]![0]!["metrics"]!.AsArray();
        Assert.Equal((0L, null, null), (metrics[0]!.GetValue<long>(), metrics[1], metrics[2]));

        using var native = await data.OnlyA.GetAsync($"/api/v1/properties/{data.A.Id}/aggregate?period=7d&metrics=pageviews,scroll_depth,time_on_page&filters={Uri.EscapeDataString(Filters)}");
        var body = await native.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(native.StatusCode == HttpStatusCode.OK, body?.ToJsonString());
        var row = body!["results"]![0]!["metrics"]!.AsObject();
        Assert.Equal((0d, null, null), (row["pageviews"]!.GetValue<double>(), row["scroll_depth"], row["time_on_page"]));

        // With engagement they are numbers.
        var withData = await PostQueryAsync(data.OnlyA, """{"site_id": "a.example", "metrics": ["scroll_depth", "time_on_page"], "date_range": "7d", "dimensions": ["event:page"]}""");
        Assert.All(withData["results"]!.AsArray(), r => Assert.True(r!["metrics"]![0]!.GetValue<double>() is > 0 and <= 100));
    }

    [Fact]
    public async Task BreakdownsByEventName_LeaveOutEngagementPings()
    {
        var names = (await PostQueryAsync(data.OnlyA, """{"site_id": "a.example", "metrics": ["visitors", "events"], "date_range": "7d", "dimensions": ["event:name"]}"""))["results"]!
            .AsArray().Select(r => r!["dimensions"]![0]!.GetValue<string>()).ToList();
        Assert.Contains("pageview", names);
        Assert.DoesNotContain("engagement", names);
    }

    [Fact]
    public async Task Goals_ListOnlyConfiguredGoals_CountEventsStoredBeforeThem_SplitVisitsByHasDone_AndAnUnknownGoalIs400NamingIt()
    {
        // A property of its own, its events stored first; the goals come after.
        var property = await data.App.AddPropertyAsync($"g{Guid.NewGuid():N}"[..12] + ".example", "Asia/Kathmandu");
        await GeneratedTraffic.LoadOneAsync(data.App.ClickHouse, (ulong)property.Id, property.Timezone, property.DayZone, Instant.FromUtc(2026, 10, 25, 0, 0), Instant.FromDateTimeOffset(Data.Now), sessionsPerDay: 60, visitorPool: 300, seed: 900);
        var client = await data.App.ClientWithKeyAsync([property.Id]);
        var site = property.Domain;
        var byGoal = $$"""{"site_id": "{{site}}", "metrics": ["visitors", "events", "conversion_rate"], "date_range": "7d", "dimensions": ["event:goal"]}""";
        Assert.Empty((await PostQueryAsync(client, byGoal))["results"]!.AsArray()); // no goals: no rows, though events have names

        var goals = data.App.Services.GetRequiredService<Analytics.Storage.Goals.GoalStore>();
        await goals.AddAsync(property.Id, new("Signup", null), CancellationToken.None);
        await goals.AddAsync(property.Id, new(null, "/pricing", DisplayName: "Pricing"), CancellationToken.None);
        var rows = (await PostQueryAsync(client, byGoal))["results"]!.AsArray().ToDictionary(r => r!["dimensions"]![0]!.GetValue<string>(), r => MetricsOf(r!));
        Assert.Equal(["Pricing", "Signup"], rows.Keys.Order());

        // The same counts as filters on the page and the event name (the pageviews of /pricing; the signups).
        var pricing = MetricsOf((await PostQueryAsync(client, $$"""{"site_id": "{{site}}", "metrics": ["visitors", "pageviews"], "date_range": "7d", "filters": [["is", "event:page", ["/pricing"]]]}"""))["results"]![0]!);
        var signups = MetricsOf((await PostQueryAsync(client, $$"""{"site_id": "{{site}}", "metrics": ["visitors", "events"], "date_range": "7d", "filters": [["is", "event:name", ["Signup"]]]}"""))["results"]![0]!);
        Assert.True(pricing[1] > 0 && signups[1] > 0, "the property has pricing pageviews and signups");
        Assert.Equal((pricing[0], pricing[1]), (rows["Pricing"][0], rows["Pricing"][1]));
        Assert.Equal((signups[0], signups[1]), (rows["Signup"][0], rows["Signup"][1]));

        // Plausible's v1 breakdown and filter take goals too.
        var v1 = await client.GetFromJsonAsync<JsonObject>($"/api/v1/stats/breakdown?site_id={site}&period=7d&property=event:goal&metrics=visitors,events");
        Assert.Equal(rows["Signup"][0], v1!["results"]!.AsArray().Single(r => r!["goal"]!.GetValue<string>() == "Signup")!["visitors"]!.GetValue<double>());
        var filtered = await client.GetFromJsonAsync<JsonObject>($"/api/v1/stats/aggregate?site_id={site}&period=7d&metrics=visitors&filters={Uri.EscapeDataString("event:goal==Pricing")}");
        Assert.Equal(pricing[0], filtered!["results"]!["visitors"]!["value"]!.GetValue<double>());

        // Visits that did, and did not, sign up: together, every visit.
        string Behaviour(string op) => $$"""{"site_id": "{{site}}", "metrics": ["visits"], "date_range": "7d", "filters": [["{{op}}", ["is", "event:goal", ["Signup"]]]]}""";
        var (did, didNot) = (MetricsOf((await PostQueryAsync(client, Behaviour("has_done")))["results"]![0]!)[0], MetricsOf((await PostQueryAsync(client, Behaviour("has_not_done")))["results"]![0]!)[0]);
        var visits = MetricsOf((await PostQueryAsync(client, $$"""{"site_id": "{{site}}", "metrics": ["visits"], "date_range": "7d"}"""))["results"]![0]!)[0];
        Assert.True(did > 0 && didNot > did, $"{did} visits signed up, {didNot} did not");
        Assert.Equal(visits, did + didNot);

        var problem = await PostQueryAsync(client, $$"""{"site_id": "{{site}}", "metrics": ["visitors"], "date_range": "7d", "filters": [["is", "event:goal", ["Pricing", "Sign up"]]]}""", HttpStatusCode.BadRequest);
        Assert.Contains("'Sign up' is not configured", problem["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LocationNames_CountryByItsIsoName_RegionAndCityAsTheGeoDatabaseNamesThem()
    {
        async Task<List<(string[] Dimensions, double[] Metrics)>> Rows(string dimensions) => [.. (await PostQueryAsync(data.OnlyA, $$"""
            {"site_id": "a.example", "metrics": ["visitors", "visits"], "date_range": "7d", "dimensions": [{{dimensions}}]}
            """))["results"]!.AsArray().Select(r => (r!["dimensions"]!.AsArray().Select(d => d!.GetValue<string>()).ToArray(), MetricsOf(r)))];

        var both = await Rows("\"visit:country\", \"visit:country_name\"");
        Assert.True(both.Count >= 2, $"{both.Count} countries");
        Assert.All(both, r => Assert.Equal(Countries.Name(r.Dimensions[0]), r.Dimensions[1]));
        Assert.Contains(both, r => r.Dimensions[0] == "US" && r.Dimensions[1] == "United States");
        var byName = (await Rows("\"visit:country_name\"")).ToDictionary(r => r.Dimensions[0], r => r.Metrics);
        Assert.All(both, r => Assert.Equal(r.Metrics, byName[r.Dimensions[1]]));

        foreach (var (name, stored) in new[] { ("visit:region_name", "visit:region"), ("visit:city_name", "visit:city") })
        {
            Assert.Equal((await Rows($"\"{stored}\"")).Select(r => string.Join("|", r.Dimensions) + string.Join(",", r.Metrics)),
                (await Rows($"\"{name}\"")).Select(r => string.Join("|", r.Dimensions) + string.Join(",", r.Metrics)));
        }

        var refused = await PostQueryAsync(data.OnlyA, """{"site_id": "a.example", "metrics": ["visitors"], "date_range": "7d", "filters": [["is", "visit:country_name", ["Germany"]]]}""", HttpStatusCode.BadRequest);
        Assert.Equal("filters", refused["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task PlausibleApis_SpellValuesAsPlausibleDoes_DirectNoneAndCapitalisedDevices()
    {
        var sources = (await PostQueryAsync(data.OnlyA, """
            {"site_id": "a.example", "metrics": ["visitors"], "date_range": "7d", "dimensions": ["visit:source"]}
            """))["results"]!.AsArray();
        var direct = sources.Single(r => r!["dimensions"]![0]!.GetValue<string>() == "Direct / None")!;
        var filtered = await PostQueryAsync(data.OnlyA, """
            {"site_id": "a.example", "metrics": ["visitors"], "date_range": "7d", "filters": [["is", "visit:source", ["Direct / None"]]]}
            """);
        Assert.Equal(MetricsOf(direct)[0], MetricsOf(filtered["results"]![0]!)[0]);
        Assert.DoesNotContain(sources, r => r!["dimensions"]![0]!.GetValue<string>().Length == 0);

        var devices = (await PostQueryAsync(data.OnlyA, """
            {"site_id": "a.example", "metrics": ["visitors"], "date_range": "7d", "dimensions": ["visit:device"], "filters": [["is", "visit:device", ["Desktop", "Mobile"]]]}
            """))["results"]!.AsArray().Select(r => r!["dimensions"]![0]!.GetValue<string>()).Order().ToList();
        Assert.Equal(["Desktop", "Mobile"], devices);

        var v1 = JsonNode.Parse(await data.OnlyA.GetStringAsync("/api/v1/stats/breakdown?site_id=a.example&period=7d&property=visit:device&filters=visit:source%3D%3DDirect%20%2F%20None"))!;
        Assert.Contains(v1["results"]!.AsArray(), r => r!["device"]!.GetValue<string>() == "Desktop");
    }

    [Fact]
    public async Task V1Endpoints_AnswerInPlausiblesShapes()
    {
        var aggregate = JsonNode.Parse(await data.OnlyA.GetStringAsync("/api/v1/stats/aggregate?site_id=a.example&period=custom&date=2026-10-25,2026-11-01&metrics=visitors,pageviews&compare=previous_period"))!;
        var v2 = MetricsOf((await PostQueryAsync(data.OnlyA, """{"site_id": "a.example", "metrics": ["visitors", "pageviews"], "date_range": ["2026-10-25", "2026-11-01"]}"""))["results"]![0]!);
        Assert.Equal(v2[1], aggregate["results"]!["pageviews"]!["value"]!.GetValue<double>());
        Assert.NotNull(aggregate["results"]!["visitors"]!["change"]);

        var series = JsonNode.Parse(await data.OnlyA.GetStringAsync("/api/v1/stats/timeseries?site_id=a.example&period=custom&date=2026-10-25,2026-11-01&metrics=pageviews"))!;
        Assert.Equal(8, series["results"]!.AsArray().Count);
        Assert.Equal(v2[1], series["results"]!.AsArray().Sum(r => r!["pageviews"]!.GetValue<double>()));

        var breakdown = JsonNode.Parse(await data.OnlyA.GetStringAsync("/api/v1/stats/breakdown?site_id=a.example&period=7d&property=event:page&metrics=visitors,pageviews&limit=5&filters=visit:device%3D%3Dmobile"))!;
        Assert.Equal(5, breakdown["results"]!.AsArray().Count);
        Assert.Equal("/", breakdown["results"]![0]!["page"]!.GetValue<string>());

        var realtime = await data.OnlyA.GetStringAsync("/api/v1/stats/realtime/visitors?site_id=a.example");
        var current = await data.App.ClickHouse.QueryAsync<Count>(
            "SELECT uniqExact(visitor_id) AS n FROM events WHERE property_id = {p:UInt64} AND name != 'engagement' AND timestamp BETWEEN {from:DateTime64(3)} AND {to:DateTime64(3)}",
            new { p = (ulong)data.A.Id, from = Data.Now.UtcDateTime.AddMinutes(-5), to = Data.Now.UtcDateTime });
        Assert.Equal(current.Single().N, ulong.Parse(realtime, System.Globalization.CultureInfo.InvariantCulture)); // visitors of the last 5 minutes, as a bare number
    }

    [Fact]
    public async Task NativeEndpoints_AggregateTimeseriesBreakdownRealtimeSessionsAndTimeline()
    {
        var prefix = $"/api/v1/properties/{data.A.Id}";
        var aggregate = JsonNode.Parse(await data.OnlyA.GetStringAsync($"{prefix}/aggregate?period=7d&compare=previous_period"))!;
        var row = aggregate["results"]![0]!;
        Assert.True(row["metrics"]!["visitors"]!.GetValue<double>() > 0);
        Assert.NotNull(row["comparison"]!["visits"]);
        Assert.Equal("Asia/Kathmandu", aggregate["meta"]!["timezone"]!.GetValue<string>());

        var series = JsonNode.Parse(await data.OnlyA.GetStringAsync($"{prefix}/timeseries?period=7d"))!;
        Assert.Equal(7, series["results"]!.AsArray().Count);

        var sources = JsonNode.Parse(await data.OnlyA.GetStringAsync($"{prefix}/breakdown?period=30d&dimension=visit:source&metrics=visits,bounce_rate&order_by=visits:desc&limit=4"))!;
        Assert.Equal(4, sources["results"]!.AsArray().Count);
        Assert.Equal("Daily", sources["meta"]!["plan"]!["sessions"]!.GetValue<string>());

        var realtime = JsonNode.Parse(await data.OnlyA.GetStringAsync($"{prefix}/realtime"))!;
        Assert.Equal(30, realtime["minutes"]!.AsArray().Count);

        var sessions = JsonNode.Parse(await data.OnlyA.GetStringAsync($"{prefix}/sessions?period=yesterday&limit=5"))!.AsArray();
        Assert.Equal(5, sessions.Count);
        var session = sessions[0]!;
        var timeline = JsonNode.Parse(await data.OnlyA.GetStringAsync($"{prefix}/sessions/{session["id"]!.GetValue<string>()}"))!.AsArray();
        Assert.Equal("pageview", timeline[0]!["name"]!.GetValue<string>());
        Assert.Equal(session["entry_page"]!.GetValue<string>(), timeline[0]!["pathname"]!.GetValue<string>());
        Assert.Equal(session["pageviews"]!.GetValue<double>(), timeline.Count(e => e!["name"]!.GetValue<string>() == "pageview"));

        // Filtered lists: by a visit attribute, and by an event any of the visit's events matches.
        var google = JsonNode.Parse(await data.OnlyA.GetStringAsync($"{prefix}/sessions?period=yesterday&limit=1000&filters=" + Uri.EscapeDataString("""[["is","visit:source",["Google"]]]""")))!.AsArray();
        var all = JsonNode.Parse(await data.OnlyA.GetStringAsync($"{prefix}/sessions?period=yesterday&limit=1000"))!.AsArray();
        Assert.InRange(google.Count, 1, all.Count - 1);
        Assert.All(google, s => Assert.Equal("Google", s!["source"]!.GetValue<string>()));
        Assert.Equal(all.Where(s => s!["source"]!.GetValue<string>() == "Google").Select(s => s!.ToJsonString()), google.Select(s => s!.ToJsonString()));
        // Pages of the list are the full list's slices, newest first, each visit whole (only a page's visits are put together).
        Assert.True(all.Count > 12, $"{all.Count} visits");
        var second = JsonNode.Parse(await data.OnlyA.GetStringAsync($"{prefix}/sessions?period=yesterday&limit=5&offset=5"))!.AsArray();
        Assert.Equal(all.Take(10).Select(s => s!.ToJsonString()), sessions.Concat(second).Select(s => s!.ToJsonString()));
        // Over several days the list reads the newest days first: its first page, and a page across a UTC day's edge,
        // are the full list's slices, without and with a visit filter.
        foreach (var filter in new[] { string.Empty, "&filters=" + Uri.EscapeDataString("""[["is","visit:source",["Google"]]]""") })
        {
            var week = JsonNode.Parse(await data.OnlyA.GetStringAsync($"{prefix}/sessions?period=7d&limit=1000{filter}"))!.AsArray();
            var days = week.Select(s => s!["start"]!.GetValue<DateTime>().ToUniversalTime().Date).ToList();
            var edge = days.FindIndex(d => d != days[0]);
            Assert.True(edge >= 3 && days.Distinct().Count() >= 5, $"{week.Count} visits over {days.Distinct().Count()} days{filter}");
            var first = JsonNode.Parse(await data.OnlyA.GetStringAsync($"{prefix}/sessions?period=7d&limit=9{filter}"))!.AsArray();
            Assert.Equal(week.Take(9).Select(s => s!.ToJsonString()), first.Select(s => s!.ToJsonString()));
            var across = JsonNode.Parse(await data.OnlyA.GetStringAsync($"{prefix}/sessions?period=7d&limit=6&offset={edge - 3}{filter}"))!.AsArray();
            Assert.Equal(week.Skip(edge - 3).Take(6).Select(s => s!.ToJsonString()), across.Select(s => s!.ToJsonString()));
        }

        const string OnPricing = """[["is","event:page",["/pricing"]]]""";
        var pricingAll = JsonNode.Parse(await data.OnlyA.GetStringAsync($"{prefix}/sessions?period=yesterday&limit=1000&filters=" + Uri.EscapeDataString(OnPricing)))!.AsArray();
        var pricingSecond = JsonNode.Parse(await data.OnlyA.GetStringAsync($"{prefix}/sessions?period=yesterday&limit=3&offset=3&filters=" + Uri.EscapeDataString(OnPricing)))!.AsArray();
        Assert.True(pricingAll.Count > 6, $"{pricingAll.Count} visits on /pricing");
        // Under an event condition the list is the full list's visits with a matching event (pings aside), in its order.
        var withPricing = new List<string>();
        foreach (var visit in all)
        {
            var events = JsonNode.Parse(await data.OnlyA.GetStringAsync($"{prefix}/sessions/{visit!["id"]!.GetValue<string>()}"))!.AsArray();
            if (events.Any(e => e!["pathname"]!.GetValue<string>() == "/pricing" && e["name"]!.GetValue<string>() != "engagement"))
            {
                withPricing.Add(visit.ToJsonString());
            }
        }

        Assert.Equal(withPricing, pricingAll.Select(s => s!.ToJsonString()));
        Assert.Equal(pricingAll.Skip(3).Take(3).Select(s => s!.ToJsonString()), pricingSecond.Select(s => s!.ToJsonString()));
        var pricing = JsonNode.Parse(await data.OnlyA.GetStringAsync($"{prefix}/sessions?period=yesterday&limit=20&filters=" + Uri.EscapeDataString("""[["is","event:page",["/pricing"]]]""")))!.AsArray();
        Assert.NotEmpty(pricing);
        foreach (var visit in pricing)
        {
            var events = JsonNode.Parse(await data.OnlyA.GetStringAsync($"{prefix}/sessions/{visit!["id"]!.GetValue<string>()}"))!.AsArray();
            Assert.Contains(events, e => e!["pathname"]!.GetValue<string>() == "/pricing");
        }

        using var badPattern = await data.OnlyA.GetAsync($"{prefix}/sessions?period=yesterday&filters=" + Uri.EscapeDataString("""[["matches","event:page",["(unclosed"]]]"""));
        Assert.Equal(HttpStatusCode.BadRequest, badPattern.StatusCode);
        Assert.Contains("filters", await badPattern.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryReportingEndpoint_AnswersNotFound_ForAPropertyOutsideTheKeysScope_AndAnUnknownOne()
    {
        var sessions = JsonNode.Parse(await data.OnlyA.GetStringAsync($"/api/v1/properties/{data.A.Id}/sessions?period=yesterday&limit=1"))!.AsArray();
        var sessionId = sessions[0]!["id"]!.GetValue<string>();
        var endpoints = data.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal)).ToList();
        Assert.True(endpoints.Count >= 11, $"{endpoints.Count} API endpoints");

        // The Sites API takes a key with the sites scope (for a.example, and a site of its own to delete), and a goal to delete.
        var doomed = await data.App.AddPropertyAsync($"d{Guid.NewGuid():N}"[..12] + ".example", "UTC");
        var (_, sitesSecret) = await data.App.Services.GetRequiredService<Analytics.Storage.ApiKeys.ApiKeyStore>().CreateAsync("sites", null, [data.A.Id, doomed.Id], CancellationToken.None, ["sites"]);
        using var sitesOnlyA = new HttpClient { BaseAddress = data.App.Client.BaseAddress };
        sitesOnlyA.DefaultRequestHeaders.Authorization = new("Bearer", sitesSecret);
        var goals = data.App.Services.GetRequiredService<Analytics.Storage.Goals.GoalStore>();
        var goal = await goals.AddAsync(data.A.Id, new("Scope check", null), CancellationToken.None);
        await goals.AddAsync(data.A.Id, new("Scope step 1", null), CancellationToken.None);
        await goals.AddAsync(data.A.Id, new(null, "/scope-step-2"), CancellationToken.None);
        var funnels = data.App.Services.GetRequiredService<Analytics.Storage.Funnels.FunnelStore>();
        var reported = await funnels.AddAsync(data.A.Id, "Scope report", ["Scope step 1", "Visit /scope-step-2"], CancellationToken.None);
        var deleted = await funnels.AddAsync(data.A.Id, "Scope delete", ["Visit /scope-step-2", "Scope step 1"], CancellationToken.None);

        var checkedCount = 0;
        foreach (var endpoint in endpoints)
        {
            var method = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Single();
            var pattern = endpoint.RoutePattern.RawText!;
            var client = pattern.StartsWith("/api/v1/sites/", StringComparison.Ordinal) ? sitesOnlyA : data.OnlyA;
            if (pattern == "/api/v1/properties")
            {
                var listed = JsonNode.Parse(await data.OnlyA.GetStringAsync(pattern))!.AsArray();
                Assert.Equal(["a.example"], listed.Select(p => p!["domain"]!.GetValue<string>()));
                Assert.Equal(["allowed_hostnames", "created_at", "domain", "excluded_countries", "excluded_ips", "excluded_pages", "honor_do_not_track", "id", "name", "retention_days", "timezone", "week_start"],
                    listed[0]!.AsObject().Select(f => f.Key).Order(StringComparer.Ordinal)); // each setting once, nothing of NodaTime's
                Assert.Equal(data.A.Timezone, listed[0]!["timezone"]!.GetValue<string>());
                continue;
            }

            if (pattern == "/api/v1/sites/" && method == "GET")
            {
                var sites = (await sitesOnlyA.GetFromJsonAsync<JsonObject>(pattern))!["sites"]!.AsArray().Select(p => p!["domain"]!.GetValue<string>());
                Assert.Equal(new[] { "a.example", doomed.Domain }.Order(), sites.Order());
                checkedCount++;
                continue;
            }

            if (pattern == "/api/v1/sites/" && method == "POST")
            {
                // Creating a site names no property: a key that reaches only some may not.
                using var create = await sitesOnlyA.PostAsJsonAsync(pattern, new { domain = "new-site.example" });
                Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
                checkedCount++;
                continue;
            }

            foreach (var (property, domain, expected) in new[] { (data.A.Id, "a.example", HttpStatusCode.OK), (data.B.Id, "b.example", HttpStatusCode.NotFound), (987_654L, "nowhere.example", HttpStatusCode.NotFound) })
            {
                var site = domain == "a.example" && method == "DELETE" && pattern == "/api/v1/sites/{siteId}" ? doomed.Domain : domain;
                var path = pattern.Replace("{propertyId:long}", property.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{siteId}", site, StringComparison.Ordinal)
                    .Replace("{sessionId}", sessionId, StringComparison.Ordinal)
                    .Replace("{goalId}", goal.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{funnelId:long}", reported.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{funnelId}", deleted.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{email}", "scope-guest@example.com", StringComparison.Ordinal);
                using var request = new HttpRequestMessage(new HttpMethod(method),
                    $"{path}?site_id={domain}&period=7d&metrics=visitors&property=visit:source&dimension=visit:source");
                if (method == "POST")
                {
                    request.Content = new StringContent($$"""{"site_id": "{{domain}}", "metrics": ["visitors"], "date_range": "7d"}""", System.Text.Encoding.UTF8, "application/json");
                }
                else if (method == "PUT")
                {
                    request.Content = new StringContent($$"""
                        {"site_id": "{{domain}}", "goal_type": "event", "event_name": "Scope check", "name": "Scope put", "steps": ["Scope step 1", "Visit /scope-step-2"], "timezone": "{{data.A.Timezone}}",
                         "email": "scope-guest@example.com", "role": "viewer"}
                        """, System.Text.Encoding.UTF8, "application/json");
                }

                using var response = await client.SendAsync(request);
                Assert.True(expected == HttpStatusCode.OK ? response.IsSuccessStatusCode : expected == response.StatusCode, $"{method} {path} for {domain}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            checkedCount++;
        }

        Assert.Equal(endpoints.Count - 1, checkedCount);
    }

    [Fact]
    public async Task EveryApiEndpoint_ChecksTheRoleOfTheKeysOwner_ForViewersEditorsAdminsAndTheOwner()
    {
        // The least role of each endpoint that names a property; a new endpoint fails this test until it is listed.
        var least = new Dictionary<string, PropertyRole>(StringComparer.Ordinal)
        {
            ["POST /api/v2/query"] = PropertyRole.Viewer,
            ["GET /api/v1/stats/realtime/visitors"] = PropertyRole.Viewer,
            ["GET /api/v1/stats/aggregate"] = PropertyRole.Viewer,
            ["GET /api/v1/stats/timeseries"] = PropertyRole.Viewer,
            ["GET /api/v1/stats/breakdown"] = PropertyRole.Viewer,
            ["GET /api/v1/properties/{propertyId:long}/aggregate"] = PropertyRole.Viewer,
            ["GET /api/v1/properties/{propertyId:long}/timeseries"] = PropertyRole.Viewer,
            ["GET /api/v1/properties/{propertyId:long}/breakdown"] = PropertyRole.Viewer,
            ["GET /api/v1/properties/{propertyId:long}/realtime"] = PropertyRole.Viewer,
            ["GET /api/v1/properties/{propertyId:long}/sessions"] = PropertyRole.Viewer,
            ["GET /api/v1/properties/{propertyId:long}/sessions/{sessionId}"] = PropertyRole.Viewer,
            ["GET /api/v1/properties/{propertyId:long}/funnels"] = PropertyRole.Viewer,
            ["GET /api/v1/properties/{propertyId:long}/funnels/{funnelId:long}"] = PropertyRole.Viewer,
            ["GET /api/v1/sites/"] = PropertyRole.Viewer,
            ["GET /api/v1/sites/{siteId}"] = PropertyRole.Viewer,
            ["GET /api/v1/sites/goals"] = PropertyRole.Viewer,
            ["PUT /api/v1/sites/goals"] = PropertyRole.Editor,
            ["DELETE /api/v1/sites/goals/{goalId}"] = PropertyRole.Editor,
            ["PUT /api/v1/sites/shared-links"] = PropertyRole.Editor,
            ["PUT /api/v1/sites/funnels"] = PropertyRole.Editor,
            ["DELETE /api/v1/sites/funnels/{funnelId}"] = PropertyRole.Editor,
            ["PUT /api/v1/sites/{siteId}"] = PropertyRole.Admin,
            ["GET /api/v1/sites/guests"] = PropertyRole.Admin,
            ["PUT /api/v1/sites/guests"] = PropertyRole.Admin,
            ["DELETE /api/v1/sites/guests/{email}"] = PropertyRole.Admin,
            ["DELETE /api/v1/sites/{siteId}"] = PropertyRole.Owner,
        };
        var endpoints = data.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal))
            .Select(e => $"{e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Single()} {e.RoutePattern.RawText}")
            .Where(e => e is not ("GET /api/v1/properties" or "POST /api/v1/sites/")) // name no property: any key's owner lists theirs, or adds their own
            .ToList();
        Assert.Equal(endpoints.Order(StringComparer.Ordinal), least.Keys.Order(StringComparer.Ordinal));

        // A property with an owner, and a viewer, an editor and an admin who joined by invitation (with confirmed addresses).
        var postgres = data.App.Services.GetRequiredService<Npgsql.NpgsqlDataSource>();
        var members = data.App.Services.GetRequiredService<MemberStore>();
        var tag = Guid.NewGuid().ToString("N")[..8];
        async Task<long> UserAsync(string name)
        {
            await using var connection = await postgres.OpenConnectionAsync();
            await using var insert = new Npgsql.NpgsqlCommand("INSERT INTO users (email, password_hash, email_verified_at) VALUES (@email, 'x', now()) RETURNING id", connection);
            insert.Parameters.AddWithValue("email", $"{name}-{tag}@example.com");
            return (long)(await insert.ExecuteScalarAsync())!;
        }

        var owner = await UserAsync("owner");
        var site = await data.App.AddPropertyAsync($"roles-{tag}.example", "Europe/Berlin", owner);
        var keys = data.App.Services.GetRequiredService<Analytics.Storage.ApiKeys.ApiKeyStore>();
        var clients = new Dictionary<PropertyRole, HttpClient>();
        foreach (var role in Enum.GetValues<PropertyRole>())
        {
            var user = role == PropertyRole.Owner ? owner : await UserAsync(role.Name());
            if (role != PropertyRole.Owner)
            {
                var (_, token) = await members.InviteAsync(site.Id, $"{role.Name()}-{tag}@example.com", role, owner, PropertyRole.Owner, CancellationToken.None);
                Assert.Equal(site.Domain, await members.AcceptAsync(token, user, CancellationToken.None));
            }

            var (_, secret) = await keys.CreateAsync(role.Name(), user, null, CancellationToken.None, ["stats:read", "sites"]);
            clients[role] = new HttpClient { BaseAddress = data.App.Client.BaseAddress };
            clients[role].DefaultRequestHeaders.Authorization = new("Bearer", secret);
        }

        var goals = data.App.Services.GetRequiredService<Analytics.Storage.Goals.GoalStore>();
        var funnels = data.App.Services.GetRequiredService<Analytics.Storage.Funnels.FunnelStore>();
        await goals.AddAsync(site.Id, new("Role step", null), CancellationToken.None);
        await goals.AddAsync(site.Id, new(null, "/role-step"), CancellationToken.None);
        var funnel = await funnels.AddAsync(site.Id, "Role report", ["Role step", "Visit /role-step"], CancellationToken.None);
        var checkedCount = 0;
        foreach (var role in Enum.GetValues<PropertyRole>())
        {
            // The owner deletes the site last of all.
            foreach (var endpoint in least.Keys.OrderBy(e => e == "DELETE /api/v1/sites/{siteId}").ThenBy(e => e, StringComparer.Ordinal))
            {
                var (method, pattern) = (endpoint.Split(' ')[0], endpoint.Split(' ')[1]);
                var goal = await goals.AddAsync(site.Id, new($"Doomed {Guid.NewGuid():N}", null), CancellationToken.None); // each delete has its own
                var doomed = await funnels.AddAsync(site.Id, $"Doomed {Guid.NewGuid():N}", ["Role step", "Visit /role-step"], CancellationToken.None);
                var path = pattern.Replace("{propertyId:long}", site.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{siteId}", site.Domain, StringComparison.Ordinal)
                    .Replace("{sessionId}", "1", StringComparison.Ordinal)
                    .Replace("{goalId}", goal.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{funnelId:long}", funnel.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{funnelId}", doomed.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("{email}", $"nobody-{tag}@example.com", StringComparison.Ordinal);
                using var request = new HttpRequestMessage(new HttpMethod(method), $"{path}?site_id={site.Domain}&period=7d&metrics=visitors&property=visit:source&dimension=visit:source");
                request.Content = method switch
                {
                    "POST" => new StringContent($$"""{"site_id": "{{site.Domain}}", "metrics": ["visitors"], "date_range": "7d"}""", System.Text.Encoding.UTF8, "application/json"),
                    "PUT" => new StringContent($$"""
                        {"site_id": "{{site.Domain}}", "goal_type": "event", "event_name": "Role put", "name": "Role put {{role.Name()}}", "steps": ["Role step", "Visit /role-step"],
                         "timezone": "Europe/Berlin", "email": "guest-{{role.Name()}}-{{tag}}@example.com", "role": "viewer"}
                        """, System.Text.Encoding.UTF8, "application/json"),
                    _ => null,
                };
                using var response = await clients[role].SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                var what = $"{role.Name()}: {endpoint} -> {(int)response.StatusCode} {body}";
                if (endpoint.EndsWith("/sessions/{sessionId}", StringComparison.Ordinal))
                {
                    Assert.True(response.StatusCode == HttpStatusCode.NotFound && body.Contains("session", StringComparison.Ordinal), what); // read: no such visit here
                }
                else if (role >= least[endpoint])
                {
                    Assert.True(response.IsSuccessStatusCode, what);
                }
                else
                {
                    Assert.True(response.StatusCode == HttpStatusCode.Forbidden, what);
                    Assert.Contains($"needs the {least[endpoint].Name()} role in {site.Domain}", body, StringComparison.Ordinal);
                }

                checkedCount++;
            }
        }

        Assert.Equal(4 * least.Count, checkedCount);
        Assert.Null(await data.App.Services.GetRequiredService<PropertyStore>().FindAsync(site.Id, CancellationToken.None)); // the owner deleted it
    }

    [Fact]
    public async Task BadInput_Answers400_NamingTheField()
    {
        foreach (var (body, field) in new[]
        {
            ("""{"site_id": "a.example", "metrics": ["visitors", "sessions"], "date_range": "7d"}""", "metrics[1]"),
            ("""{"site_id": "a.example", "metrics": ["visitors"], "date_range": "fortnight"}""", "date_range"),
            ("""{"site_id": "a.example", "metrics": ["visitors"], "date_range": "7d", "dimensions": ["visit:planet"]}""", "dimensions[0]"),
            ("""{"site_id": "a.example", "metrics": ["visitors"], "date_range": "7d", "filters": [["is_like", "event:page", ["/"]]]}""", "filters[0][0]"),
            ("""{"site_id": "a.example", "metrics": ["visitors"], "date_range": "7d", "filters": [["matches", "event:page", ["(unclosed"]]]}""", "filters"),
            ("""{"site_id": "a.example", "metrics": ["visitors"], "date_range": "7d", "include": {"imports": "yes"}}""", "include.imports"),
            ("""{"site_id": "a.example", "metrics": ["visitors"], "date_range": "7d", "date": "2026-01-01"}""", "date"),
            ("""{"site_id": "a.example", "metrics": ["conversion_rate"], "date_range": "7d"}""", "metrics"),
            ("""{"site_id": "a.example", "metrics": ["group_conversion_rate"], "date_range": "7d", "dimensions": ["visit:source"]}""", "metrics"),
            ("""{"site_id": "a.example", "metrics": ["visitors"], "date_range": "7d", "filters": [["is", "event:goal", ["No such goal"]]]}""", "filters"),
            ("""{"site_id": "a.example", "metrics": ["visitors"], "date_range": "7d", "pagination": {"limit": 0}}""", "pagination.limit"),
            ("not json", "body"),

            // What Plausible's query API refuses (its query parser's rules).
            ("""{"site_id": "a.example", "metrics": ["visitors", "visitors"], "date_range": "7d"}""", "metrics"),
            ("""{"site_id": "a.example", "metrics": ["bounce_rate"], "date_range": "7d", "dimensions": ["event:name"]}""", "metrics"),
            ("""{"site_id": "a.example", "metrics": ["visitors", "visit_duration"], "date_range": "7d", "dimensions": ["event:props:plan"]}""", "metrics"),
            ("""{"site_id": "a.example", "metrics": ["views_per_visit"], "date_range": "7d", "dimensions": ["visit:source"]}""", "metrics"),
            ("""{"site_id": "a.example", "metrics": ["views_per_visit"], "date_range": "7d", "dimensions": ["time:day"]}""", "metrics"),
            ("""{"site_id": "a.example", "metrics": ["visitors"], "date_range": "7d", "filters": [["is", "visit:country", ["Germany"]]]}""", "filters"),
            ("""{"site_id": "a.example", "metrics": ["visitors"], "date_range": "7d", "filters": [["is_not", "visit:country", ["DE", "D1"]]]}""", "filters"),
            ("""{"site_id": "a.example", "metrics": ["visitors"], "date_range": "7d", "filters": [["not", ["is", "visit:planet", ["Mars"]]]]}""", "filters[0][1][1]"),
            ("""{"site_id": "a.example", "metrics": ["visitors"], "date_range": "7d", "filters": [["or", [["is", "event:hostname", ["a.example"]], ["is", "visit:country", ["DE"]]]]]}""", "filters[0][1][0][1]"),
            ("""{"site_id": "a.example", "metrics": ["visitors"], "date_range": "7d", "filters": [["not", ["is", "event:goal", ["Signup"]]]]}""", "filters[0][1][1]"),
        })
        {
            var problem = await PostQueryAsync(data.OnlyA, body, HttpStatusCode.BadRequest);
            Assert.True(field == problem["field"]?.GetValue<string>(), $"{body}: {problem.ToJsonString()}");
            Assert.StartsWith(field + ":", problem["error"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        // What it takes: bounce rate by page (the visits that entered on it), countries by code in any case.
        await PostQueryAsync(data.OnlyA, """{"site_id": "a.example", "metrics": ["bounce_rate", "visit_duration"], "date_range": "7d", "dimensions": ["event:page"]}""");
        await PostQueryAsync(data.OnlyA, """{"site_id": "a.example", "metrics": ["visitors"], "date_range": "7d", "filters": [["is", "visit:country", ["de"]], ["contains", "visit:country", ["D"]]]}""");

        // Without a key, or with an unknown one: 401, with the "error" Plausible's clients read.
        foreach (var key in new[] { null, "not-a-key" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v2/query") { Content = new StringContent("""{"site_id": "a.example", "metrics": ["visitors"]}""", System.Text.Encoding.UTF8, "application/json") };
            if (key is not null)
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            }

            using var refused = await data.App.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.False(string.IsNullOrWhiteSpace((await refused.Content.ReadFromJsonAsync<JsonObject>())!["error"]?.GetValue<string>()));
        }

        // A key that only sends events (server-side tracking) reads nothing: 403, naming the scope it lacks.
        var (_, sender) = await data.App.Services.GetRequiredService<Analytics.Storage.ApiKeys.ApiKeyStore>().CreateAsync("backend", null, [data.A.Id], CancellationToken.None, ["events"]);
        foreach (var path in new[] { "/api/v1/properties", "/api/v1/stats/aggregate?site_id=a.example&metrics=visitors" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", sender);
            using var forbidden = await data.App.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
            Assert.Contains("stats:read", (await forbidden.Content.ReadFromJsonAsync<JsonObject>())!["error"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        using var native = await data.OnlyA.GetAsync($"/api/v1/properties/{data.A.Id}/breakdown?period=7d&dimension=visit:source&limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, native.StatusCode);
        Assert.Equal("limit", (await native.Content.ReadFromJsonAsync<JsonObject>())!["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task SitesApi_Goals_FindOrCreateListDelete_InPlausiblesShapes_ForKeysWithTheSitesScope()
    {
        var domain = $"goals-{Guid.NewGuid():N}"[..14] + ".example"; // a site of its own, so other tests' goals do not show
        var property = await data.App.AddPropertyAsync(domain, "UTC");
        var (_, secret) = await data.App.Services.GetRequiredService<Analytics.Storage.ApiKeys.ApiKeyStore>().CreateAsync("provisioning", null, [property.Id], CancellationToken.None, ["sites"]);
        using var sites = new HttpClient { BaseAddress = data.App.Client.BaseAddress };
        sites.DefaultRequestHeaders.Authorization = new("Bearer", secret);

        // Find or create: JSON or a form, as Plausible takes them; the same goal again is the same goal.
        using var created = await sites.PutAsJsonAsync("/api/v1/sites/goals", new { site_id = domain, goal_type = "event", event_name = "Signup" });
        var signup = await created.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(created.StatusCode == HttpStatusCode.OK, signup?.ToJsonString());
        Assert.Equal((domain, "event", "Signup", "Signup"), (signup!["domain"]!.GetValue<string>(), signup["goal_type"]!.GetValue<string>(), signup["event_name"]!.GetValue<string>(), signup["display_name"]!.GetValue<string>()));
        using var again = await sites.PutAsJsonAsync("/api/v1/sites/goals", new { site_id = domain, goal_type = "event", event_name = "Signup" });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(signup["id"]!.GetValue<string>(), (await again.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>());
        using var form = await sites.PutAsync("/api/v1/sites/goals", new FormUrlEncodedContent(new Dictionary<string, string> { ["site_id"] = domain, ["goal_type"] = "page", ["page_path"] = "/pricing/**" }));
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        Assert.Equal("Visit /pricing/**", (await form.Content.ReadFromJsonAsync<JsonObject>())!["display_name"]!.GetValue<string>());

        var list = await sites.GetFromJsonAsync<JsonObject>($"/api/v1/sites/goals?site_id={domain}");
        Assert.Equal(["Signup|event|Signup|", "Visit /pricing/**|page||/pricing/**"], list!["goals"]!.AsArray()
            .Select(g => $"{g!["display_name"]}|{g["goal_type"]}|{g["event_name"]?.GetValue<string>()}|{g["page_path"]?.GetValue<string>()}"));

        // Bad input names the field; another site is not found; a statistics key may not manage goals, nor this key read statistics.
        foreach (var (body, field) in new (object, string)[]
        {
            (new { site_id = domain, goal_type = "visit", event_name = "x" }, "goal_type"),
            (new { site_id = domain, goal_type = "event" }, "event_name"),
            (new { site_id = domain, goal_type = "page", page_path = "pricing" }, "page_path"),
            (new { goal_type = "event", event_name = "x" }, "site_id"),
        })
        {
            using var refused = await sites.PutAsJsonAsync("/api/v1/sites/goals", body);
            var problem = await refused.Content.ReadFromJsonAsync<JsonObject>();
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest && problem!["error"]!.GetValue<string>().StartsWith(field, StringComparison.Ordinal), $"{field}: {problem?.ToJsonString()}");
        }

        using var elsewhere = await sites.GetAsync("/api/v1/sites/goals?site_id=a.example");
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
        using var statsKey = await data.OnlyA.GetAsync("/api/v1/sites/goals?site_id=a.example");
        Assert.Equal(HttpStatusCode.Forbidden, statsKey.StatusCode);
        using var reading = await sites.GetAsync($"/api/v1/stats/aggregate?site_id={domain}&metrics=visitors");
        Assert.Equal(HttpStatusCode.Forbidden, reading.StatusCode);

        using var deleted = await sites.DeleteAsync($"/api/v1/sites/goals/{signup["id"]}?site_id={domain}");
        Assert.True((await deleted.Content.ReadFromJsonAsync<JsonObject>())!["deleted"]!.GetValue<bool>());
        using var gone = await sites.DeleteAsync($"/api/v1/sites/goals/{signup["id"]}?site_id={domain}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Single((await sites.GetFromJsonAsync<JsonObject>($"/api/v1/sites/goals?site_id={domain}"))!["goals"]!.AsArray());
    }

    [Fact]
    public async Task Imports_FromPlausiblesCsvExport_MergeIntoTotalsSeriesAndBreakdowns_StoredOnce_NeverOverNativeDays_WithPlausiblesMeta()
    {
        // A property with its own events from 25 October, and Plausible's export of 1 September to 31 October.
        var property = await data.App.AddPropertyAsync($"i{Guid.NewGuid():N}"[..12] + ".example", "Asia/Kathmandu");
        await GeneratedTraffic.LoadOneAsync(data.App.ClickHouse, (ulong)property.Id, property.Timezone, property.DayZone, Instant.FromUtc(2026, 10, 25, 0, 0), Instant.FromDateTimeOffset(Data.Now), sessionsPerDay: 40, visitorPool: 200, seed: 970);
        var folder = Path.Combine(Path.GetTempPath(), $"plausible-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);

        // Its tables in the export's layout (Plausible's column lists; its CSV quotes a value with a comma), and what the
        // kept days (before the first native day) add up to per dimension and value.
        var native = new LocalDate(2026, 10, 25);
        var tables = new Dictionary<string, System.Text.StringBuilder>
        {
            ["imported_visitors"] = new("date,visitors,pageviews,bounces,visits,visit_duration\n"),
            ["imported_sources"] = new("date,source,referrer,utm_source,utm_medium,utm_campaign,utm_content,utm_term,pageviews,visitors,visits,visit_duration,bounces\n"),
            ["imported_pages"] = new("date,hostname,page,visits,visitors,pageviews,scroll_depth,pageleave_visitors\n"),
            ["imported_entry_pages"] = new("date,entry_page,visitors,entrances,visit_duration,bounces,pageviews\n"),
            ["imported_exit_pages"] = new("date,exit_page,visitors,visit_duration,exits,bounces,pageviews\n"),
            ["imported_locations"] = new("date,country,region,city,visitors,visits,visit_duration,bounces,pageviews\n"),
            ["imported_devices"] = new("date,device,visitors,visits,visit_duration,bounces,pageviews\n"),
            ["imported_custom_events"] = new("date,name,link_url,path,visitors,events\n"),
        };
        var days = new Dictionary<string, (ulong Visitors, ulong Pageviews, ulong Bounces, ulong Visits, ulong Duration)>();
        var expected = new Dictionary<(string Dimension, string Value), double[]>(); // visitors, visits, pageviews, bounces, duration, events
        var googleByDay = new Dictionary<string, double>();
        void Line(string table, string line) => tables[table].Append(line).Append('\n');
        void Count(LocalDate day, string dimension, string value, params double[] sums)
        {
            if (day < native)
            {
                var sum = expected.TryGetValue((dimension, value), out var s) ? s : new double[6];
                expected[(dimension, value)] = [.. sum.Zip(sums.Concat(Enumerable.Repeat(0.0, 6 - sums.Length)), (a, b) => a + b)];
            }
        }

        for (var day = new LocalDate(2026, 9, 1); day <= new LocalDate(2026, 10, 31); day = day.PlusDays(1))
        {
            var d = day.ToString("yyyy-MM-dd", null);
            var v = (ulong)(10 + day.Day % 7);
            var row = (v, 3 * v, (v + 2) / 2, v + 2, 40 * (v + 2) + (ulong)day.Day);
            days[d] = row;
            Line("imported_visitors", $"{d},{row.Item1},{row.Item2},{row.Item3},{row.Item4},{row.Item5}");
            var g = v / 2;
            Line("imported_sources", $"{d},Google,google.com,,,a,,,{2 * g},{g},{g + 1},{30 * (g + 1)},1");
            Line("imported_sources", $"{d},Google,google.com,,,b,,,2,1,1,5,1");
            Line("imported_sources", $"{d},Imported Only,imported.example,news,email,,,,44,20,22,660,11");
            Line("imported_sources", $"{d},,,,,,,,3,2,2,0,2");
            Count(day, "visit:source", "Google", g + 1, g + 2, 2 * g + 2, 2, 30 * (g + 1) + 5);
            Count(day, "visit:source", "Imported Only", 20, 22, 44, 11, 660);
            Count(day, "visit:source", "Direct / None", 2, 2, 3, 2, 0);
            Count(day, "visit:channel", "Organic Search", g + 1, g + 2, 2 * g + 2, 2, 30 * (g + 1) + 5); // as collect names them
            Count(day, "visit:channel", "Email", 20, 22, 44, 11, 660);
            Count(day, "visit:channel", "Direct", 2, 2, 3, 2, 0);
            Count(day, "visit:utm_medium", "email", 20, 22, 44, 11, 660);
            Count(day, "visit:utm_medium", "(not set)", g + 3, g + 4, 2 * g + 5, 4, 30 * (g + 1) + 5); // the lines without one
            googleByDay[d] = day < native ? g + 1 : 0;
            Line("imported_pages", $"{d},{property.Domain},/,{v},{v},{2 * v},,0");
            Line("imported_pages", $"{d},{property.Domain},\"/a,b\",2,2,3,,0");
            Count(day, "event:page", "/", v, 0, 2 * v);
            Count(day, "event:page", "/a,b", 2, 0, 3);
            Line("imported_entry_pages", $"{d},/,{v - 1},{v},{50 * v},{v / 3},{2 * v}");
            Count(day, "visit:entry_page", "/", v - 1, v, 2 * v, v / 3, 50 * v);
            Line("imported_exit_pages", $"{d},\"/a,b\",2,10,2,1,3");
            Count(day, "visit:exit_page", "/a,b", 2, 2, 3, 1, 10);
            Line("imported_locations", $"{d},DE,DE-BE,2950159,{v},{v + 2},{40 * (v + 2)},{(v + 2) / 2},{3 * v}");
            Count(day, "visit:country", "DE", v, v + 2, 3 * v, (v + 2) / 2, 40 * (v + 2));
            Line("imported_devices", $"{d},Desktop,{v},{v + 2},{40 * (v + 2)},{(v + 2) / 2},{3 * v}");
            Count(day, "visit:device", "Desktop", // as the API spells it (stored in lower case)
                v, v + 2, 3 * v, (v + 2) / 2, 40 * (v + 2));
            Line("imported_custom_events", $"{d},Signup,,,2,3");
            Count(day, "event:name", "Signup", 2, 0, 0, 0, 0, 3);
        }

        foreach (var (table, text) in tables)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, $"{table}_20260901_20261031.csv"), text.ToString());
        }

        await File.WriteAllTextAsync(Path.Combine(folder, "imported_something_new_20260901_20261031.csv"), "date,x\n");
        var clickHouse = data.App.ClickHouse;
        var imports = data.App.Services.GetRequiredService<Analytics.Storage.Imports.ImportStore>();
        var said = new List<string>();
        var first = await Analytics.Ingest.Transfer.PlausibleImport.RunAsync(clickHouse, imports, property, folder, said.Add, CancellationToken.None);
        var kept = days.Where(d => LocalDate.FromDateTime(DateTime.Parse(d.Key, System.Globalization.CultureInfo.InvariantCulture)) < native).ToDictionary();
        Assert.True(kept.Count == first.Days, string.Join("\n", said));
        Assert.Contains("imported_something_new_20260901_20261031.csv: not imported (not a table of Plausible's export this version knows).", said);
        Assert.Contains("imported_sources_20260901_20261031.csv: 244 lines by visit:source, visit:referrer, visit:utm_source, visit:utm_medium, visit:utm_campaign, visit:utm_content, visit:utm_term, visit:channel.", said);
        Assert.Contains(said, l => l.Contains("days from 2026-10-25 on are left out", StringComparison.Ordinal));

        // The same files again: the same import, nothing stored twice. A bad line names file, line and field, and stores nothing.
        var again = await Analytics.Ingest.Transfer.PlausibleImport.RunAsync(clickHouse, imports, property, folder, _ => { }, CancellationToken.None);
        Assert.Equal((first.Import.Id, true), (again.Import.Id, again.Already));
        var bad = Path.Combine(folder, "bad");
        Directory.CreateDirectory(bad);
        await File.WriteAllTextAsync(Path.Combine(bad, "imported_visitors_x.csv"), "date,visitors,pageviews,bounces,visits,visit_duration\n2026-08-01,3,3,1,3,9\n2026-08-02,many,3,1,3,9\n");
        var refused = await Assert.ThrowsAsync<Analytics.Storage.Hosting.FieldValidationException>(() => Analytics.Ingest.Transfer.PlausibleImport.RunAsync(clickHouse, imports, property, bad, _ => { }, CancellationToken.None));
        Assert.Equal(("imported_visitors_x.csv line 3", "visitors: 'many' is not a whole number."), (refused.Field, refused.Message));
        await File.WriteAllTextAsync(Path.Combine(bad, "imported_visitors_x.csv"), "date,visitors,pageviews,bounces,visits,visit_duration\n2026-08-01,3,3,1,3,9\n");
        await File.WriteAllTextAsync(Path.Combine(bad, "imported_sources_x.csv"), "date,source,visitors,visits,visit_duration\n2026-08-01,Google,1,1,1\n");
        refused = await Assert.ThrowsAsync<Analytics.Storage.Hosting.FieldValidationException>(() => Analytics.Ingest.Transfer.PlausibleImport.RunAsync(clickHouse, imports, property, bad, _ => { }, CancellationToken.None));
        Assert.Equal(("imported_sources_x.csv line 1", "the header has no column 'bounces' (it needs date,source,visitors,visits,visit_duration,bounces)."), (refused.Field, refused.Message));
        Assert.Single(await imports.ListAsync(property.Id, CancellationToken.None));

        var client = await data.App.ClientWithKeyAsync([property.Id]);
        const string Metrics = """["visitors", "visits", "pageviews", "bounce_rate", "visit_duration"]""";
        string Query(string range, string extra = "", bool include = true, string metrics = Metrics) => $$"""
            {"site_id": "{{property.Domain}}", "metrics": {{metrics}}, "date_range": {{range}}{{extra}}{{(include ? ", \"include\": {\"imports\": true, \"total_rows\": true}" : "")}}}
            """;

        // Before the native events: exactly the imported days, rates from their sums.
        var early = await PostQueryAsync(client, Query("""["2026-09-01", "2026-10-20"]"""));
        var sums = days.Where(d => string.CompareOrdinal(d.Key, "2026-10-20") <= 0).Select(d => d.Value).ToList();
        var (visits, bounces, duration) = (sums.Sum(d => (double)d.Visits), sums.Sum(d => (double)d.Bounces), sums.Sum(d => (double)d.Duration));
        Assert.Equal([sums.Sum(d => (double)d.Visitors), visits, sums.Sum(d => (double)d.Pageviews), Math.Round(100 * bounces / visits), Math.Round(duration / visits)], MetricsOf(early["results"]![0]!));
        Assert.True(early["meta"]!["imports_included"]!.GetValue<bool>());

        // Across both: the native counts plus the imported days before 25 October (none after: native days win).
        var span = """["2026-09-01", "2026-11-04"]""";
        var without = MetricsOf((await PostQueryAsync(client, Query(span, include: false)))["results"]![0]!);
        var with = MetricsOf((await PostQueryAsync(client, Query(span)))["results"]![0]!);
        Assert.Equal(without[0] + kept.Values.Sum(d => (double)d.Visitors), with[0]);
        Assert.Equal(without[1] + kept.Values.Sum(d => (double)d.Visits), with[1]);
        Assert.Equal(without[2] + kept.Values.Sum(d => (double)d.Pageviews), with[2]);
        var byDay = """, "dimensions": ["time:day"]""";
        var seriesWithout = (await PostQueryAsync(client, Query(span, byDay, include: false)))["results"]!.AsArray().ToDictionary(r => r!["dimensions"]![0]!.GetValue<string>(), r => MetricsOf(r!)[0]);
        var seriesWith = (await PostQueryAsync(client, Query(span, byDay)))["results"]!.AsArray().ToDictionary(r => r!["dimensions"]![0]!.GetValue<string>(), r => MetricsOf(r!)[0]);
        foreach (var (day, visitors) in seriesWith)
        {
            Assert.Equal(seriesWithout.GetValueOrDefault(day) + (kept.TryGetValue(day, out var imported) ? imported.Visitors : 0), visitors);
        }

        Assert.Equal(kept.Keys.Union(seriesWithout.Keys).Order(StringComparer.Ordinal), seriesWith.Keys.Order(StringComparer.Ordinal));

        // By month, each imported day in its month; by week, in its week (the first one starting with the range): no day lost.
        var months = (await PostQueryAsync(client, Query(span, """, "dimensions": ["time:month"]""")))["results"]!.AsArray().ToDictionary(r => r!["dimensions"]![0]!.GetValue<string>(), r => MetricsOf(r!)[0]);
        var monthsWithout = (await PostQueryAsync(client, Query(span, """, "dimensions": ["time:month"]""", include: false)))["results"]!.AsArray().ToDictionary(r => r!["dimensions"]![0]!.GetValue<string>(), r => MetricsOf(r!)[0]);
        foreach (var month in new[] { "2026-09-01", "2026-10-01", "2026-11-01" })
        {
            Assert.Equal(monthsWithout.GetValueOrDefault(month) + kept.Where(d => d.Key[..7] == month[..7]).Sum(d => (double)d.Value.Visitors), months.GetValueOrDefault(month));
        }

        var weeks = (await PostQueryAsync(client, Query(span, """, "dimensions": ["time:week"]""")))["results"]!.AsArray().Select(r => MetricsOf(r!)[0]).Sum();
        var weeksWithout = (await PostQueryAsync(client, Query(span, """, "dimensions": ["time:week"]""", include: false)))["results"]!.AsArray().Select(r => MetricsOf(r!)[0]).Sum();
        Assert.Equal(weeksWithout + kept.Values.Sum(d => (double)d.Visitors), weeks);

        // Breakdowns by an imported dimension: each value's native figures plus its imported ones, ordered and paged
        // together (an imported-only source leads), blanks named as the native ones; rates from the summed parts.
        async Task<Dictionary<string, double[]>> RowsAsync(string dimension, bool include, string metrics = Metrics, string filters = "")
            => (await PostQueryAsync(client, Query(span, $$""", "dimensions": ["{{dimension}}"]{{filters}}""", include, metrics)))["results"]!.AsArray()
                .ToDictionary(r => r!["dimensions"]![0]!.GetValue<string>(), r => MetricsOf(r!));
        foreach (var (dimension, index) in new (string, int[])[] { ("visit:source", [0, 1, 2]), ("visit:channel", [0, 1, 2]), ("visit:utm_medium", [0, 1, 2]), ("visit:exit_page", [0, 1]), ("visit:country", [0, 1, 2]), ("visit:device", [0, 1, 2]), ("event:page", [0, 2]) })
        {
            var before = await RowsAsync(dimension, include: false);
            var merged = await RowsAsync(dimension, include: true);
            var values = before.Keys.Union(expected.Keys.Where(k => k.Dimension == dimension).Select(k => k.Value)).ToList();
            Assert.True(values.Order(StringComparer.Ordinal).SequenceEqual(merged.Keys.Order(StringComparer.Ordinal)), $"{dimension}: {string.Join(", ", merged.Keys)}");
            foreach (var value in values)
            {
                var imported = expected.GetValueOrDefault((dimension, value)) ?? new double[6];
                var native0 = before.GetValueOrDefault(value) ?? new double[5];
                foreach (var i in index)
                {
                    Assert.True(native0[i] + imported[i] == merged[value][i], $"{dimension} {value} metric {i}: {native0[i]} + {imported[i]} != {merged[value][i]}");
                }
            }
        }

        var onlyImported = expected[("visit:source", "Imported Only")];
        var sources = await PostQueryAsync(client, Query(span, """, "dimensions": ["visit:source"], "pagination": {"limit": 2}"""));
        Assert.Equal("Imported Only", sources["results"]![0]!["dimensions"]![0]!.GetValue<string>());
        Assert.Equal([onlyImported[0], onlyImported[1], onlyImported[2], Math.Round(100 * onlyImported[3] / onlyImported[1]), Math.Round(onlyImported[4] / onlyImported[1])], MetricsOf(sources["results"]![0]!));
        var allSources = await RowsAsync("visit:source", include: true);
        Assert.Equal(allSources.Count, sources["meta"]!["total_rows"]!.GetValue<int>());
        var second = await PostQueryAsync(client, Query(span, """, "dimensions": ["visit:source"], "pagination": {"limit": 1, "offset": 1}"""));
        Assert.Equal(sources["results"]![1]!.ToJsonString(), second["results"]![0]!.ToJsonString());

        // A filter on an imported dimension takes the imported rows of its values, in totals and over time.
        var google = """, "filters": [["is", "visit:source", ["Google"]]]""";
        var googleWithout = MetricsOf((await PostQueryAsync(client, Query(span, google, include: false)))["results"]![0]!);
        var googleWith = MetricsOf((await PostQueryAsync(client, Query(span, google)))["results"]![0]!);
        var g0 = expected[("visit:source", "Google")];
        Assert.Equal([googleWithout[0] + g0[0], googleWithout[1] + g0[1], googleWithout[2] + g0[2]], googleWith[..3]);
        var googleSeriesWithout = (await PostQueryAsync(client, Query(span, byDay + google, include: false)))["results"]!.AsArray().ToDictionary(r => r!["dimensions"]![0]!.GetValue<string>(), r => MetricsOf(r!)[0]);
        foreach (var row in (await PostQueryAsync(client, Query(span, byDay + google)))["results"]!.AsArray())
        {
            var day = row!["dimensions"]![0]!.GetValue<string>();
            Assert.Equal(googleSeriesWithout.GetValueOrDefault(day) + googleByDay.GetValueOrDefault(day), MetricsOf(row)[0]);
        }

        // Custom events by name, and shares of all visitors (imported ones included).
        var events = await RowsAsync("event:name", include: true, """["visitors", "events"]""");
        var eventsBefore = await RowsAsync("event:name", include: false, """["visitors", "events"]""");
        Assert.Equal([(eventsBefore.GetValueOrDefault("Signup")?[0] ?? 0) + expected[("event:name", "Signup")][0], (eventsBefore.GetValueOrDefault("Signup")?[1] ?? 0) + expected[("event:name", "Signup")][5]], events["Signup"]);
        var shares = await RowsAsync("visit:source", include: true, """["visitors", "percentage"]""");
        Assert.Equal(Math.Round(100 * onlyImported[0] / with[0], 1), shares["Imported Only"][1]);

        // Plausible's v1 API takes with_imported, and names devices its way.
        var devices = (await client.GetFromJsonAsync<JsonObject>($"/api/v1/stats/breakdown?site_id={property.Domain}&period=custom&date=2026-09-01,2026-11-04&property=visit:device&with_imported=true"))!["results"]!.AsArray();
        var desktopBefore = (await client.GetFromJsonAsync<JsonObject>($"/api/v1/stats/breakdown?site_id={property.Domain}&period=custom&date=2026-09-01,2026-11-04&property=visit:device"))!["results"]!.AsArray()
            .Where(r => r!["device"]!.GetValue<string>() == "Desktop").Sum(r => r!["visitors"]!.GetValue<double>());
        Assert.Equal(desktopBefore + expected[("visit:device", "Desktop")][0], devices.Single(r => r!["device"]!.GetValue<string>() == "Desktop")!["visitors"]!.GetValue<double>());
        using var badFlag = await client.GetAsync($"/api/v1/stats/aggregate?site_id={property.Domain}&with_imported=yes");
        Assert.Equal(HttpStatusCode.BadRequest, badFlag.StatusCode);
        Assert.Contains("with_imported", await badFlag.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Goals: a custom-event goal counts the imported events of its name, a page goal the imported pageviews of its
        // pages; the conversion rate divides by all visitors, imported ones too.
        var goalStore = data.App.Services.GetRequiredService<Analytics.Storage.Goals.GoalStore>();
        await goalStore.AddAsync(property.Id, new("Signup", null), CancellationToken.None);
        await goalStore.AddAsync(property.Id, new(null, "/a,*", DisplayName: "A or B"), CancellationToken.None);
        const string GoalMetrics = """["visitors", "events", "conversion_rate"]""";
        var goalsBefore = await RowsAsync("event:goal", include: false, GoalMetrics);
        var goalsWith = await RowsAsync("event:goal", include: true, GoalMetrics);
        var page = expected[("event:page", "/a,b")];
        foreach (var (goal, imported) in new[] { ("Signup", (Visitors: expected[("event:name", "Signup")][0], Events: expected[("event:name", "Signup")][5])), ("A or B", (Visitors: page[0], Events: page[2])) })
        {
            var before = goalsBefore.GetValueOrDefault(goal) ?? new double[3];
            Assert.Equal([before[0] + imported.Visitors, before[1] + imported.Events, Math.Round(100 * (before[0] + imported.Visitors) / with[0], 1)], goalsWith[goal]);
        }

        Assert.Equal("unsupported_query", (await PostQueryAsync(client, Query(span, """, "filters": [["is", "event:goal", ["Signup"]]]""", metrics: GoalMetrics)))["meta"]!["imports_skip_reason"]!.GetValue<string>());

        // Where imported data cannot be merged, Plausible's meta says why.
        foreach (var (extra, range, reason) in new[]
        {
            (""", "dimensions": ["visit:source"], "filters": [["is", "visit:country", ["DE"]]]""", span, "unsupported_query"),
            (""", "dimensions": ["visit:region"]""", span, "unsupported_query"),
            (""", "dimensions": ["visit:screen"]""", span, "unsupported_query"),
            (""", "filters": [["is", "visit:source", ["Google"]], ["is", "visit:country", ["DE"]]]""", span, "unsupported_query"),
            (""", "dimensions": ["time:day", "visit:source"]""", span, "unsupported_query"),
            (""", "dimensions": ["time:hour"]""", """["2026-09-01", "2026-09-02"]""", "unsupported_interval"),
            ("", """["2026-01-01", "2026-01-31"]""", "out_of_range"),
        })
        {
            var meta = (await PostQueryAsync(client, Query(range, extra)))["meta"]!;
            Assert.True(!meta["imports_included"]!.GetValue<bool>() && meta["imports_skip_reason"]!.GetValue<string>() == reason, $"{extra} {range}: {meta.ToJsonString()}");
        }

        Assert.Contains("query parameters are not supported", (await PostQueryAsync(client, Query(span, """, "dimensions": ["visit:screen"]""")))["meta"]!["imports_warning"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null((await PostQueryAsync(client, Query(span, include: false)))["meta"]!["imports_included"]);

        // Deleted, the import is gone from reports, breakdowns too.
        Assert.True(await Analytics.Ingest.Transfer.PlausibleImport.DeleteAsync(clickHouse, imports, property.Id, first.Import.Id, CancellationToken.None));
        Assert.Equal("no_imported_data", (await PostQueryAsync(client, Query(span)))["meta"]!["imports_skip_reason"]!.GetValue<string>());
        Assert.Equal(without, MetricsOf((await PostQueryAsync(client, Query(span)))["results"]![0]!));
        var left = await clickHouse.QueryAsync<Dictionary<string, JsonElement>>("SELECT toUInt32(count()) AS n FROM imported_breakdowns WHERE property_id = {property:UInt64}", new { property = (ulong)property.Id });
        Assert.Equal(0, left[0]["n"].GetInt32());
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Funnels_MadeThroughTheSitesApi_ReportedPerStep_AndGoneWithTheirGoals()
    {
        var property = await data.App.AddPropertyAsync($"f{Guid.NewGuid():N}"[..12] + ".example", "Australia/Lord_Howe");
        await GeneratedTraffic.LoadOneAsync(data.App.ClickHouse, (ulong)property.Id, property.Timezone, property.DayZone, Instant.FromUtc(2026, 10, 25, 0, 0), Instant.FromDateTimeOffset(Data.Now), sessionsPerDay: 80, visitorPool: 300, seed: 950);
        var (_, secret) = await data.App.Services.GetRequiredService<Analytics.Storage.ApiKeys.ApiKeyStore>().CreateAsync("funnels", null, [property.Id], CancellationToken.None, ["sites", "stats:read"]);
        using var client = new HttpClient { BaseAddress = data.App.Client.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        var site = property.Domain;

        foreach (var goal in new object[] { new { site_id = site, goal_type = "page", page_path = "/docs**", display_name = "Docs" }, new { site_id = site, goal_type = "event", event_name = "File Download" } })
        {
            using var made = await client.PutAsJsonAsync("/api/v1/sites/goals", goal);
            Assert.Equal(HttpStatusCode.OK, made.StatusCode);
        }

        // Bad steps name the field; the same funnel twice is the same funnel.
        foreach (var (body, field) in new (object, string)[]
        {
            (new { site_id = site, name = "Docs", steps = new List<string> { "Docs" } }, "steps"),
            (new { site_id = site, name = "Docs", steps = new List<string> { "Docs", "Nope" } }, "steps[1]"),
            (new { site_id = site, name = "Docs", steps = new List<string> { "Docs", "Docs" } }, "steps[1]"),
            (new { site_id = site, name = "", steps = new List<string> { "Docs", "File Download" } }, "name"),
        })
        {
            using var refused = await client.PutAsJsonAsync("/api/v1/sites/funnels", body);
            var problem = await refused.Content.ReadFromJsonAsync<JsonObject>();
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest && problem!["field"]!.GetValue<string>() == field, $"{field}: {refused.StatusCode} {problem}");
        }

        using var created = await client.PutAsJsonAsync("/api/v1/sites/funnels", new { site_id = site, name = "Docs to download", steps = new List<string> { "Docs", "File Download" } });
        var funnel = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        using var again = await client.PutAsJsonAsync("/api/v1/sites/funnels", new { site_id = site, name = "Docs to download", steps = new List<string> { "Docs", "File Download" } });
        Assert.Equal(funnel.ToJsonString(), (await again.Content.ReadFromJsonAsync<JsonObject>())!.ToJsonString());
        var id = funnel["id"]!.GetValue<string>();
        var listed = await client.GetFromJsonAsync<JsonArray>($"/api/v1/properties/{property.Id}/funnels");
        Assert.Equal($"{id}|Docs to download|Docs,File Download", string.Join('|', listed!.Select(f => $"{f!["id"]}|{f["name"]}|{string.Join(',', f["steps"]!.AsArray().Select(s => s!.GetValue<string>()))}")));

        // The report: every file download follows a docs pageview in its visit, so the second step is the downloaders.
        var report = (await client.GetFromJsonAsync<JsonObject>($"/api/v1/properties/{property.Id}/funnels/{id}?period=7d"))!;
        var steps = report["steps"]!.AsArray();
        var downloaders = MetricsOf((await PostQueryAsync(client, $$"""{"site_id": "{{site}}", "metrics": ["visitors"], "date_range": "7d", "filters": [["is", "event:goal", ["File Download"]]]}"""))["results"]![0]!)[0];
        var docs = MetricsOf((await PostQueryAsync(client, $$"""{"site_id": "{{site}}", "metrics": ["visitors"], "date_range": "7d", "filters": [["is", "event:goal", ["Docs"]]]}"""))["results"]![0]!)[0];
        Assert.Equal((docs, downloaders), (steps[0]!["visitors"]!.GetValue<double>(), steps[1]!["visitors"]!.GetValue<double>()));
        Assert.Equal(Math.Round(100 * downloaders / docs, 2), steps[1]!["conversion_rate"]!.GetValue<double>());
        Assert.Equal(docs - downloaders, steps[1]!["dropoff"]!.GetValue<double>());
        Assert.Equal(docs, report["entering_visitors"]!.GetValue<double>());

        using var unknown = await client.GetAsync($"/api/v1/properties/{property.Id}/funnels/987654?period=7d");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // Deleting a step's goal deletes the funnel.
        var docsGoal = (await client.GetFromJsonAsync<JsonObject>($"/api/v1/sites/goals?site_id={site}"))!["goals"]!.AsArray().Single(g => g!["display_name"]!.GetValue<string>() == "Docs")!;
        using var goalGone = await client.DeleteAsync($"/api/v1/sites/goals/{docsGoal["id"]}?site_id={site}");
        Assert.Equal(HttpStatusCode.OK, goalGone.StatusCode);
        Assert.Empty((await client.GetFromJsonAsync<JsonArray>($"/api/v1/properties/{property.Id}/funnels"))!);
    }

    [Fact]
    public async Task SitesApi_Sites_CreateListGetUpdateDelete_InPlausiblesShapes()
    {
        var keys = data.App.Services.GetRequiredService<Analytics.Storage.ApiKeys.ApiKeyStore>();
        var (_, secret) = await keys.CreateAsync("sites-all", null, null, CancellationToken.None, ["sites", "stats:read"]);
        using var client = new HttpClient { BaseAddress = data.App.Client.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        var domain = $"s{Guid.NewGuid():N}"[..12] + ".example";

        // Created as a form, as Plausible's examples send it; its time zone as given (Plausible's default without one).
        using var created = await client.PostAsync("/api/v1/sites", new FormUrlEncodedContent(new Dictionary<string, string> { ["domain"] = domain, ["timezone"] = "Asia/Kolkata" }));
        var site = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(created.StatusCode == HttpStatusCode.OK, site.ToJsonString());
        Assert.Equal((domain, "Asia/Kolkata"), (site["domain"]!.GetValue<string>(), site["timezone"]!.GetValue<string>()));
        using var plain = await client.PostAsJsonAsync("/api/v1/sites", new { domain = "utc-" + domain });
        Assert.Equal("Etc/UTC", (await plain.Content.ReadFromJsonAsync<JsonObject>())!["timezone"]!.GetValue<string>());

        foreach (var (body, field) in new (object, string)[] { (new { domain }, "domain"), (new { domain = "not a domain" }, "domain"), (new { domain = "x" + domain, timezone = "Mars/Olympus" }, "timezone") })
        {
            using var refused = await client.PostAsJsonAsync("/api/v1/sites", body);
            var problem = await refused.Content.ReadFromJsonAsync<JsonObject>();
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest && problem!["field"]!.GetValue<string>() == field, $"{field}: {refused.StatusCode} {problem}");
        }

        var listed = await client.GetFromJsonAsync<JsonObject>("/api/v1/sites");
        Assert.Contains(listed!["sites"]!.AsArray(), s => s!["domain"]!.GetValue<string>() == domain);
        var read = await client.GetFromJsonAsync<JsonObject>($"/api/v1/sites/{domain}");
        Assert.Equal("Asia/Kolkata", read!["timezone"]!.GetValue<string>());

        // A new time zone: reports follow it at once.
        using var moved = await client.PutAsJsonAsync($"/api/v1/sites/{domain}", new { timezone = "America/St_Johns" });
        Assert.Equal("America/St_Johns", (await moved.Content.ReadFromJsonAsync<JsonObject>())!["timezone"]!.GetValue<string>());
        var query = await PostQueryAsync(client, $$"""{"site_id": "{{domain}}", "metrics": ["visitors"], "date_range": "day"}""");
        Assert.EndsWith("-03:30", query["query"]!["date_range"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        using var renamed = await client.PutAsJsonAsync($"/api/v1/sites/{domain}", new { domain = "other.example" });
        Assert.Equal(HttpStatusCode.BadRequest, renamed.StatusCode);

        using var deleted = await client.DeleteAsync($"/api/v1/sites/{domain}");
        Assert.True((await deleted.Content.ReadFromJsonAsync<JsonObject>())!["deleted"]!.GetValue<bool>());
        using var gone = await client.GetAsync($"/api/v1/sites/{domain}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task ConversionRate_IsConvertingVisitorsOverAllVisitors()
    {
        await data.App.Services.GetRequiredService<Analytics.Storage.Goals.GoalStore>().FindOrAddAsync(data.A.Id, new("Signup", null, Currency: "USD"), CancellationToken.None);
        var result = await PostQueryAsync(data.OnlyA, """
            {"site_id": "a.example", "metrics": ["visitors", "conversion_rate", "total_revenue"], "date_range": "30d", "filters": [["is", "event:goal", ["Signup"]]],
             "dimensions": ["event:props:plan"]}
            """);
        var all = MetricsOf((await PostQueryAsync(data.OnlyA, """{"site_id": "a.example", "metrics": ["visitors"], "date_range": "30d"}"""))["results"]![0]!)[0];

        var plans = result["results"]!.AsArray().ToDictionary(r => r!["dimensions"]![0]!.GetValue<string>(), r => MetricsOf(r!));
        Assert.Equal(["free", "pro"], plans.Keys.Order());
        Assert.All(plans.Values, m => Assert.Equal(Math.Round(100 * m[0] / all, 1), m[1]));
        Assert.Equal(0, plans["free"][2]);
        Assert.Equal(0, plans["pro"][2] % 49);
        Assert.True(plans["pro"][2] > 0);
    }

    [Fact]
    public async Task TheOpenApiDocument_DescribesEveryReportingEndpoint()
    {
        using var document = JsonDocument.Parse(await data.App.Client.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");
        var endpoints = data.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal)).ToList();
        foreach (var endpoint in endpoints)
        {
            var path = endpoint.RoutePattern.RawText!.Replace(":long", string.Empty, StringComparison.Ordinal).TrimEnd('/'); // the document writes a group's own route without the slash
            var method = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Single().ToLowerInvariant();
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is not in the document");
            Assert.True(item.TryGetProperty(method, out var operation), $"{method} {path} is not in the document");
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), $"{path} has no summary");
            Assert.True(operation.GetProperty("responses").TryGetProperty("404", out _), $"{path} does not document 404");
        }
    }

    [Fact]
    public async Task ApiReference_RendersInChromium_UnderTheServersPolicy_TalkingToThisServerOnly()
    {
        var origin = data.App.Client.BaseAddress!.ToString().TrimEnd('/');
        await using var browser = await Browser.LaunchAsync();
        var (_, page, problems) = await browser.NewPageAsync(origin, 1280, 800);

        await page.GotoAsync(origin + "/scalar/v1");
        await page.GetByText("ListProperties", new() { Exact = false }).Or(page.GetByText("Lists the properties", new() { Exact = false })).First.WaitForAsync(new() { Timeout = 30_000 });

        Assert.Empty(problems); // no policy violation, no failed request, nothing fetched from elsewhere
    }

    /// <summary>
    /// With Reports:SampleAbove set, a report over a range with more events reads one visitor in N, and both APIs' meta
    /// say what share was read; what the rollups answer is whole and says nothing.
    /// </summary>
    [Fact]
    public async Task Sampling_AboveTheThreshold_MetaSaysTheShareRead_InPlausiblesApiAndOurs()
    {
        var clickHouse = await engines.NewClickHouseAsync();
        await using var app = await ApiApp.StartAsync(engines, clickHouse, Data.Now, new() { ["Reports:SampleAbove"] = "1000" });
        var property = await app.AddPropertyAsync("sampled.example", "UTC");
        await GeneratedTraffic.LoadAsync(clickHouse, [((ulong)property.Id, "UTC", property.DayZone)], Instant.FromUtc(2026, 10, 25, 0, 0), Instant.FromDateTimeOffset(Data.Now),
            sessionsPerDay: 150, visitorPool: 2_000, seedBase: 310);
        var client = await app.ClientWithKeyAsync([property.Id]);

        var whole = await PostQueryAsync(client, """{"site_id": "sampled.example", "metrics": ["events"], "date_range": "7d"}""");
        Assert.Null(whole["meta"]!["sample_percent"]);
        var events = whole["results"]![0]!["metrics"]![0]!.GetValue<double>();

        // One visitor in N, N at least the events over the threshold (the rows it counts hold engagement pings too).
        const string Filters = """[["contains", "event:page", ["/blog"]]]""";
        var v2 = await PostQueryAsync(client, $$"""{"site_id": "sampled.example", "metrics": ["visitors", "visits"], "date_range": "7d", "dimensions": ["visit:source"], "filters": {{Filters}}}""");
        var percent = v2["meta"]!["sample_percent"]!.GetValue<double>();
        var oneIn = (int)Math.Round(100 / percent);
        Assert.Equal(Math.Round(100.0 / oneIn, 2), percent);
        Assert.True(oneIn >= Math.Ceiling(events / 1000) && oneIn >= 2, $"1 in {oneIn} for {events} events");
        Assert.All(v2["results"]!.AsArray(), r => Assert.Equal(0, r!["metrics"]![1]!.GetValue<long>() % oneIn)); // visits, scaled

        using var native = await client.GetAsync($"/api/v1/properties/{property.Id}/breakdown?period=7d&dimension=visit:source&metrics=visitors,visits&filters={Uri.EscapeDataString(Filters)}");
        var body = await native.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(native.StatusCode == HttpStatusCode.OK, body?.ToJsonString());
        Assert.Equal(percent, body!["meta"]!["sample_percent"]!.GetValue<double>());
    }

    [Fact]
    public async Task RateLimit_PerKey_Answers429WithRetryAfter()
    {
        await using var app = await ApiApp.StartAsync(engines, data.App.ClickHouse, Data.Now, new() { ["Api:RateLimitPerMinute"] = "3" });
        var property = await app.AddPropertyAsync("limited.example", "UTC");
        var first = await app.ClientWithKeyAsync([property.Id]);
        var second = await app.ClientWithKeyAsync(null);

        for (var i = 0; i < 3; i++)
        {
            using var ok = await first.GetAsync("/api/v1/properties");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var limited = await first.GetAsync("/api/v1/properties");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(int.Parse(limited.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture) is > 0 and <= 60);
        using var other = await second.GetAsync("/api/v1/properties");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    private sealed record Count(ulong N);
}

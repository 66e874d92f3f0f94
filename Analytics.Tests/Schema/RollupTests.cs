using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Migrations;
using Analytics.Ingest.Demo;
using Analytics.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;

namespace Analytics.Tests.Schema;

/// <summary>
/// The materialized views must equal the raw truth. The truth here is computed from timestamps, names and paths
/// only (never from the session bookkeeping columns the views sum), over local days in zones with :45 and :30
/// offsets and across DST changes (Lord Howe's is 30 minutes).
/// </summary>
public sealed class RollupTests(Engines engines, RollupTests.Data data) : IClassFixture<RollupTests.Data>
{
    public sealed class Data(Engines engines) : IAsyncLifetime
    {
        public static readonly Instant From = Instant.FromUtc(2026, 9, 30, 0, 0);
        public static readonly Instant To = Instant.FromUtc(2026, 11, 3, 0, 0);

        public IClickHouse ClickHouse { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            ClickHouse = await engines.NewClickHouseAsync();
            await GeneratedTraffic.LoadAsync(ClickHouse, Zones, From, To, sessionsPerDay: 120, visitorPool: 900, seedBase: 0);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>Properties in zones off whole hours, each with its rollup days in its own zone.</summary>
    private static readonly (ulong Id, string Zone, string DayZone)[] Zones =
        [(1, "Asia/Kathmandu", "Asia/Kathmandu"), (2, "Australia/Lord_Howe", "Australia/Lord_Howe"), (3, "America/St_Johns", "America/St_Johns"), (4, "Asia/Kolkata", "Asia/Kolkata")];

    public static TheoryData<ulong, string> ZoneCases() => new(Zones.Select(z => (z.Id, z.Zone)));

    private sealed record Totals(ulong Pageviews, ulong Events, ulong Visitors, ulong Visits, long Bounces, ulong DurationMs);

    [Theory]
    [MemberData(nameof(ZoneCases))]
    public async Task PropertyRollup_EveryLocalDay_EqualsRawEvents(ulong propertyId, string zoneId)
    {
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        foreach (var day in WholeLocalDays(zone))
        {
            var range = new { property = propertyId, from = zone.AtStartOfDay(day).ToInstant(), to = zone.AtStartOfDay(day.PlusDays(1)).ToInstant() };
            var rollup = (await data.ClickHouse.QueryAsync<Totals>(
                """
                SELECT sum(pageviews) AS pageviews, sum(events) AS events, uniqMerge(visitors) AS visitors,
                       sum(visits) AS visits, sum(bounces) AS bounces, sum(duration_ms) AS duration_ms
                FROM rollup_property
                WHERE property_id = {property:UInt64} AND bucket >= {from:DateTime64(3)} AND bucket < {to:DateTime64(3)}
                """, range)).Single();
            AssertSameTotals(await RawTotalsAsync(propertyId, range.from, range.to), rollup, $"{zoneId} {day}");
        }
    }

    [Theory]
    [MemberData(nameof(ZoneCases))]
    public async Task DailyRollup_InTheDayZone_EveryLocalDayIsItsRow_AndEveryLocalMonthItsMonthRow_EqualRawEvents(ulong propertyId, string zoneId)
    {
        // Events carry their local day and their visit's in the property's zone of days (here its own: zones off whole
        // hours, one with a 30-minute DST change), so the day row of a local day holds that day's events and visits
        // exactly, and the month row the local month's.
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        const string Sums = "sum(pageviews) AS pageviews, sum(events) AS events, uniqCombinedMerge(13)(visitor_sketch) AS visitors, sum(visits) AS visits, sum(bounces) AS bounces, sum(duration_ms) AS duration_ms";
        foreach (var day in WholeLocalDays(zone))
        {
            var rollup = (await data.ClickHouse.QueryAsync<Totals>(
                $"SELECT {Sums} FROM rollup_daily WHERE property_id = {{property:UInt64}} AND dimension = '' AND day = {{day:Date}}",
                new { property = propertyId, day })).Single();
            AssertSameTotals(await RawTotalsAsync(propertyId, zone.AtStartOfDay(day).ToInstant(), zone.AtStartOfDay(day.PlusDays(1)).ToInstant()), rollup, $"{zoneId} {day}");
        }

        var october = new LocalDate(2026, 10, 1);
        var month = (await data.ClickHouse.QueryAsync<Totals>(
            $"SELECT {Sums} FROM rollup_monthly WHERE property_id = {{property:UInt64}} AND dimension = '' AND month = {{month:Date}}",
            new { property = propertyId, month = october })).Single();
        AssertSameTotals(await RawTotalsAsync(propertyId, zone.AtStartOfDay(october).ToInstant(), zone.AtStartOfDay(october.PlusMonths(1)).ToInstant()), month, $"{zoneId} October");
    }

    /// <summary>The whole local days of the generated traffic in <paramref name="zone"/> (the partial first and last left out): at least 30.</summary>
    private static List<LocalDate> WholeLocalDays(DateTimeZone zone)
    {
        var (first, last) = (Data.From.InZone(zone).Date.PlusDays(1), Data.To.InZone(zone).Date.PlusDays(-2));
        var days = Enumerable.Range(0, Period.Between(first, last, PeriodUnits.Days).Days + 1).Select(first.PlusDays).ToList();
        Assert.True(days.Count >= 30);
        return days;
    }

    /// <summary>A rollup's totals against raw events': the counts exactly, the visitors within the sketch's error.</summary>
    private static void AssertSameTotals(Totals raw, Totals rollup, string context)
    {
        Assert.True(raw.Pageviews > 0, $"no traffic generated on {context}");
        Assert.Equal((raw.Pageviews, raw.Events, raw.Visits, raw.Bounces, raw.DurationMs), (rollup.Pageviews, rollup.Events, rollup.Visits, rollup.Bounces, rollup.DurationMs));
        GeneratedTraffic.AssertVisitorsClose(raw.Visitors, rollup.Visitors, context);
    }

    /// <summary>The totals of [<paramref name="from"/>, <paramref name="to"/>) counted from raw events: visits by their first event.</summary>
    private async Task<Totals> RawTotalsAsync(ulong propertyId, Instant from, Instant to) => (await data.ClickHouse.QueryAsync<Totals>(
        """
        SELECT
            (SELECT countIf(name = 'pageview') FROM events WHERE property_id = {property:UInt64} AND timestamp >= {from:DateTime64(3)} AND timestamp < {to:DateTime64(3)}) AS pageviews,
            (SELECT countIf(name != 'engagement') FROM events WHERE property_id = {property:UInt64} AND timestamp >= {from:DateTime64(3)} AND timestamp < {to:DateTime64(3)}) AS events,
            (SELECT uniqExactIf(visitor_id, name != 'engagement') FROM events WHERE property_id = {property:UInt64} AND timestamp >= {from:DateTime64(3)} AND timestamp < {to:DateTime64(3)}) AS visitors,
            count() AS visits,
            countIf(pv = 1) AS bounces,
            sum(toUInt64(dateDiff('millisecond', started, ended))) AS duration_ms
        FROM
        (
            SELECT session_id, min(timestamp) AS started, maxIf(timestamp, name != 'engagement') AS ended, countIf(name = 'pageview') AS pv
            FROM events WHERE property_id = {property:UInt64}
            GROUP BY session_id
            HAVING started >= {from:DateTime64(3)} AND started < {to:DateTime64(3)}
        )
        """, new { property = propertyId, from, to })).Single();

    [Theory]
    [InlineData(1UL, "Asia/Kathmandu")]
    [InlineData(2UL, "Australia/Lord_Howe")]
    public async Task LocalHours_AcrossDstChange_AreWholeBuckets(ulong propertyId, string zoneId)
    {
        // Lord Howe moves its clocks by 30 minutes on 2026-10-04; Kathmandu sits at +05:45. Every local hour of those
        // days must be answerable from 15-minute buckets exactly.
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        var day = new LocalDate(2026, 10, 4);
        var start = zone.AtStartOfDay(day).ToInstant();
        var end = zone.AtStartOfDay(day.PlusDays(1)).ToInstant();
        for (var hour = start; hour < end; hour += Duration.FromHours(1))
        {
            var range = new { property = propertyId, from = hour, to = Instant.Min(hour + Duration.FromHours(1), end) };
            var rollup = (await data.ClickHouse.QueryAsync<PageviewCount>(
                "SELECT sum(pageviews) AS pageviews FROM rollup_property WHERE property_id = {property:UInt64} AND bucket >= {from:DateTime64(3)} AND bucket < {to:DateTime64(3)}", range)).Single();
            var raw = (await data.ClickHouse.QueryAsync<PageviewCount>(
                "SELECT countIf(name = 'pageview') AS pageviews FROM events WHERE property_id = {property:UInt64} AND timestamp >= {from:DateTime64(3)} AND timestamp < {to:DateTime64(3)}", range)).Single();
            Assert.Equal(raw.Pageviews, rollup.Pageviews);
        }
    }

    private sealed record PageviewCount(ulong Pageviews);

    private sealed record SessionFacts(ulong SessionId, ulong Pageviews, ulong Events, long Bounce, ulong DurationMs, string EntryPage, string ExitPage, string EntryHostname, string ExitHostname, string ReferrerSource, string CountryCode);

    [Fact]
    public async Task SessionsView_EverySession_EqualsRawEvents()
    {
        var fromView = await data.ClickHouse.QueryAsync<SessionFacts>(
            """
            SELECT session_id, sum(pageviews) AS pageviews, sum(events) AS events, sum(bounce) AS bounce, sum(duration_ms) AS duration_ms,
                   any(entry_page) AS entry_page, tupleElement(max(last_pageview), 2) AS exit_page,
                   toString(ifNull(any(entry_hostname), '')) AS entry_hostname, tupleElement(max(last_pageview), 3) AS exit_hostname,
                   toString(any(referrer_source)) AS referrer_source, any(country_code) AS country_code
            FROM sessions WHERE property_id = 3 GROUP BY session_id ORDER BY session_id
            """);
        var fromRaw = await data.ClickHouse.QueryAsync<SessionFacts>(
            """
            SELECT session_id, countIf(name = 'pageview') AS pageviews, countIf(name != 'engagement') AS events,
                   toInt64(countIf(name = 'pageview') = 1) AS bounce,
                   toUInt64(dateDiff('millisecond', min(timestamp), maxIf(timestamp, name != 'engagement'))) AS duration_ms, -- engagement never lengthens a visit
                   argMinIf(pathname, timestamp, name = 'pageview') AS entry_page, argMaxIf(pathname, timestamp, name = 'pageview') AS exit_page,
                   toString(argMin(hostname, timestamp)) AS entry_hostname, toString(argMaxIf(hostname, timestamp, name = 'pageview')) AS exit_hostname,
                   toString(argMin(referrer_source, timestamp)) AS referrer_source, toString(any(country_code)) AS country_code
            FROM events WHERE property_id = 3 GROUP BY session_id ORDER BY session_id
            """);

        Assert.True(fromRaw.Count > 1000, $"only {fromRaw.Count} sessions generated");
        Assert.Equal(fromRaw, fromView);
    }

    private sealed record PageFacts(string Pathname, ulong Pageviews, ulong Visitors, ulong Engagements, ulong EngagedMs, ulong EngagedVisits, ulong ScrollMaxSum);

    [Fact]
    public async Task DailyRollup_EveryPage_EqualsRawEvents()
    {
        // Two weeks of local days of a property whose days are its own zone's (off whole hours): the daily rollup's page
        // rows hold each page's pageviews, visitors, engagement and scroll as raw events count them.
        var zone = DateTimeZoneProviders.Tzdb["Asia/Kathmandu"];
        var range = new
        {
            property = 1UL,
            first = new LocalDate(2026, 10, 3),
            end = new LocalDate(2026, 10, 17),
            from = zone.AtStartOfDay(new LocalDate(2026, 10, 3)).ToInstant(),
            to = zone.AtStartOfDay(new LocalDate(2026, 10, 17)).ToInstant(),
        };
        var fromRollup = await data.ClickHouse.QueryAsync<PageFacts>(
            """
            SELECT value AS pathname, sum(pageviews) AS pageviews, uniqCombinedMerge(13)(visitor_sketch) AS visitors, sum(engagements) AS engagements,
                   sum(engaged_ms) AS engaged_ms, sum(engaged_visits) AS engaged_visits, sum(scroll_max_sum) AS scroll_max_sum
            FROM rollup_daily
            WHERE property_id = {property:UInt64} AND dimension = 'event:page' AND day >= {first:Date} AND day < {end:Date}
            GROUP BY pathname ORDER BY pathname
            """, range);
        var fromRaw = await data.ClickHouse.QueryAsync<PageFacts>(
            """
            SELECT pathname, sum(pageviews) AS pageviews, sum(visitors) AS visitors, sum(engagements) AS engagements, sum(engaged_ms) AS engaged_ms,
                   sum(engaged_visits) AS engaged_visits, sum(scroll_max_sum) AS scroll_max_sum
            FROM
            (
                SELECT pathname, countIf(name = 'pageview') AS pageviews, uniqExactIf(visitor_id, name != 'engagement') AS visitors,
                       countIf(name = 'engagement') AS engagements, sumIf(engagement_ms, name = 'engagement') AS engaged_ms,
                       toUInt64(0) AS engaged_visits, toUInt64(0) AS scroll_max_sum
                FROM events
                WHERE property_id = {property:UInt64} AND timestamp >= {from:DateTime64(3)} AND timestamp < {to:DateTime64(3)}
                GROUP BY pathname
                UNION ALL
                -- Each visit's engagement on a page: counted where its first one falls, its deepest scroll as it rises in the range.
                SELECT pathname, 0, 0, 0, 0, toUInt64(countIf(first >= {from:DateTime64(3)} AND first < {to:DateTime64(3)})), toUInt64(sum(deepest_by_end - deepest_before))
                FROM
                (
                    SELECT session_id, pathname, min(timestamp) AS first, maxIf(scroll_depth, timestamp < {to:DateTime64(3)}) AS deepest_by_end,
                           maxIf(scroll_depth, timestamp < {from:DateTime64(3)}) AS deepest_before
                    FROM events WHERE property_id = {property:UInt64} AND name = 'engagement'
                    GROUP BY session_id, pathname
                )
                GROUP BY pathname
            )
            GROUP BY pathname
            -- The engagement half reads every day, so a page of the long tail read only outside the range comes back with nothing.
            HAVING pageviews + visitors + engagements + engaged_visits + scroll_max_sum > 0
            ORDER BY pathname
            """, range);

        Assert.True(fromRaw.Count >= 15);
        Assert.True(fromRaw.Sum(p => (long)p.EngagedVisits) > 100 && fromRaw.Sum(p => (long)p.ScrollMaxSum) > 1_000, "too little engagement to tell");
        Assert.Equal(fromRaw.Count, fromRollup.Count);
        foreach (var (raw, rollup) in fromRaw.Zip(fromRollup))
        {
            Assert.Equal(raw with { Visitors = 0 }, rollup with { Visitors = 0 });
            GeneratedTraffic.AssertVisitorsClose(raw.Visitors, rollup.Visitors, raw.Pathname);
        }
    }

    [Fact]
    public async Task DeletingAProperty_RemovesItsRowsFromEveryTable_AndKeepsOthers()
    {
        var clickHouse = await engines.NewClickHouseAsync();
        foreach (var id in new ulong[] { 21, 22 })
        {
            var traffic = new DemoTraffic(id, $"p{id}.example", "UTC", seed: (int)id) { DayZone = DateTimeZone.Utc, SessionsPerDay = 100 };
            await clickHouse.InsertAsync("events", ClickHouseJson.Encode(traffic.Generate(Data.From, Data.From + Duration.FromDays(2))));
            await clickHouse.InsertAsync("imported_visitors", System.Text.Encoding.UTF8.GetBytes($$"""{"property_id": {{id}}, "import_id": 1, "date": "2025-01-01", "visitors": 3, "pageviews": 4, "bounces": 1, "visits": 3, "visit_duration": 60}"""));
            await clickHouse.InsertAsync("imported_breakdowns", System.Text.Encoding.UTF8.GetBytes($$"""{"property_id": {{id}}, "import_id": 1, "dimension": "visit:source", "date": "2025-01-01", "value": "Google", "visitors": 3, "visits": 3}"""));
        }

        await new Analytics.Storage.ClickHouse.EventDeletion(clickHouse).DeletePropertyAsync(21, CancellationToken.None);

        foreach (var table in Analytics.Storage.ClickHouse.Catalog.DerivedTables.WithProperty)
        {
            var counts = await clickHouse.QueryAsync<TableCounts>($"SELECT countIf(property_id = 21) AS deleted, countIf(property_id = 22) AS kept FROM {table}");
            Assert.Equal(0UL, counts.Single().Deleted);
            Assert.True(counts.Single().Kept > 0, table);
        }

        var tables = await clickHouse.QueryAsync<TableName>("SELECT name FROM system.tables WHERE database = currentDatabase() AND has_own_data AND name NOT LIKE '.inner%' AND name != 'schema_migrations'");
        Assert.Equal(tables.Select(t => t.Name).Order(), Analytics.Storage.ClickHouse.Catalog.DerivedTables.WithProperty.Order());
    }

    private sealed record TableCounts(ulong Deleted, ulong Kept);

    [Fact]
    public async Task ReplayedBatch_WithSameToken_IsStoredOnceInRawAndEveryView()
    {
        var clickHouse = await engines.NewClickHouseAsync();
        var traffic = new DemoTraffic(9, "replay.example", "UTC", seed: 9) { DayZone = DateTimeZone.Utc, SessionsPerDay = 200 };
        var rows = ClickHouseJson.Encode(traffic.Generate(Data.From, Data.From + Duration.FromDays(1)));

        for (var attempt = 0; attempt < 3; attempt++)
        {
            await clickHouse.InsertAsync("events", rows, ClickHouseSettings.Deduplicated("batch-0001"));
        }

        var counts = (await clickHouse.QueryAsync<ReplayCounts>(
            """
            SELECT (SELECT countIf(name = 'pageview') FROM events) AS raw_pageviews,
                   (SELECT sum(pageviews) FROM rollup_property) AS rollup_pageviews,
                   (SELECT sum(pageviews) FROM sessions) AS session_pageviews,
                   (SELECT sum(pageviews) FROM rollup_hourly) AS hourly_pageviews,
                   (SELECT sum(pageviews) FROM rollup_daily WHERE dimension = '') AS daily_pageviews,
                   (SELECT sum(pageviews) FROM rollup_monthly WHERE dimension = '') AS monthly_pageviews,
                   (SELECT sum(visits) FROM rollup_property) AS visits,
                   (SELECT sum(visits) FROM rollup_hourly) AS hourly_visits,
                   (SELECT uniqExact(session_id) FROM events) AS sessions
            """)).Single();
        Assert.True(counts.RawPageviews > 100);
        Assert.Equal(counts.RawPageviews, counts.RollupPageviews);
        Assert.Equal(counts.RawPageviews, counts.SessionPageviews);
        Assert.Equal(counts.RawPageviews, counts.HourlyPageviews);
        Assert.Equal(counts.RawPageviews, counts.DailyPageviews);
        Assert.Equal(counts.RawPageviews, counts.MonthlyPageviews);
        Assert.Equal(counts.Sessions, counts.Visits);
        Assert.Equal(counts.Sessions, counts.HourlyVisits);
    }

    private sealed record ReplayCounts(ulong RawPageviews, ulong RollupPageviews, ulong SessionPageviews, ulong HourlyPageviews, ulong DailyPageviews, ulong MonthlyPageviews, ulong Visits, ulong HourlyVisits, ulong Sessions);

    [Fact]
    public async Task Migrator_RunTwice_AppliesNothingTheSecondTime()
    {
        var clickHouse = await engines.NewClickHouseAsync();
        var migrator = new ClickHouseMigrator(clickHouse, NullLogger<ClickHouseMigrator>.Instance);

        Assert.Equal(0, await migrator.MigrateAsync(CancellationToken.None));
        var views = await clickHouse.QueryAsync<TableName>("SELECT name FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView' ORDER BY name");
        Assert.True(views.Count >= 3);
    }

    private sealed record TableName(string Name);

    [Fact]
    public async Task Migrations0011And0012_GiveEventsStoredBefore_TheirChannelsAndVisitBookkeeping_AndDeriveEveryTableAgain_AsIfCollectedNow()
    {
        // The same visits twice: as collect stores them now, and as they were stored before migrations 0011 and 0012
        // (no channel, no engagement bookkeeping, engagement lengthening the visit), which the two code steps then mend.
        var traffic = new DemoTraffic(31, "old.example", "UTC", seed: 31) { DayZone = DateTimeZone.Utc, SessionsPerDay = 300 };
        var events = traffic.Generate(Data.From, Data.From + Duration.FromDays(3)).ToList();
        var now = await engines.NewClickHouseAsync();
        await now.InsertAsync("events", ClickHouseJson.Encode(events));
        var old = await engines.NewClickHouseAsync();
        await old.InsertAsync("events", ClickHouseJson.Encode(events.Select(e => e with
        {
            Channel = string.Empty, EngagedFirst = 0, ScrollGain = 0, DurationDeltaMs = e.Name == "engagement" ? 1_234u : e.DurationDeltaMs,
        })));
        await old.ExecuteAsync("ALTER TABLE sessions UPDATE last_pageview = (last_pageview.1, last_pageview.2, '') WHERE 1", settings: new ClickHouseSettings { ["mutations_sync"] = "2" });
        var channels = new Analytics.Ingest.Events.ChannelBackfill(NullLogger<Analytics.Ingest.Events.ChannelBackfill>.Instance);
        var replay = new Analytics.Ingest.Events.EventReplay(NullLogger<Analytics.Ingest.Events.EventReplay>.Instance);
        await channels.RunAsync(old, CancellationToken.None);
        await replay.RunAsync(old, CancellationToken.None);
        await channels.RunAsync(old, CancellationToken.None); // a migration stopped half-way runs its code again
        await replay.RunAsync(old, CancellationToken.None);

        Assert.True(events.Count(e => e.EngagedFirst == 1) > 100 && events.Sum(e => e.ScrollGain) > 1_000, "the generated visits have too little engagement to tell");
        foreach (var (what, sql) in new[]
        {
            ("events", "SELECT session_id, pathname, name, sum(duration_delta_ms), sum(engaged_first), sum(scroll_gain), any(toString(channel)), count() FROM events GROUP BY session_id, pathname, name ORDER BY session_id, pathname, name"),
            ("sessions", "SELECT session_id, sum(pageviews), sum(bounce), sum(duration_ms), any(entry_page), any(referrer), max(last_pageview), toString(max(channel)) FROM sessions GROUP BY session_id ORDER BY session_id"),
            ("rollup_daily", "SELECT day, dimension, value, uniqCombinedMerge(13)(visitor_sketch), sum(pageviews), sum(events), sum(engaged_ms), sum(engaged_visits), sum(scroll_max_sum), sum(visits), sum(bounces), sum(duration_ms) FROM rollup_daily GROUP BY day, dimension, value ORDER BY day, dimension, value"),
            ("rollup_monthly", "SELECT month, dimension, value, sum(pageviews), sum(engaged_visits), sum(scroll_max_sum), sum(visits), sum(duration_ms) FROM rollup_monthly GROUP BY month, dimension, value ORDER BY month, dimension, value"),
            ("rollup_hourly and rollup_property", "SELECT (SELECT sum(duration_ms) FROM rollup_hourly), (SELECT sum(visits) FROM rollup_hourly), (SELECT sum(duration_ms) FROM rollup_property), (SELECT sum(pageviews) FROM rollup_property)"),
            ("what is left", "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name LIKE 'events_replay%'"),
        })
        {
            var expected = System.Text.Encoding.UTF8.GetString(await now.QueryRawAsync(sql, "TSV"));
            var got = System.Text.Encoding.UTF8.GetString(await old.QueryRawAsync(sql, "TSV"));
            Assert.True(expected == got, $"{what} differ:\n{string.Join("\n", expected.Split('\n').Zip(got.Split('\n')).Where(p => p.First != p.Second).Take(5).Select(p => $"  now {p.First}\n  got {p.Second}"))}");
        }
    }

    [Theory]
    [InlineData("goal:pageview", "")] // a day's pageviews of each path
    [InlineData("goal:revenue", "WHERE value != ''")] // a day's events with revenue by currency and name (the backfill leaves out the rest)
    public async Task Migration0013_WritesTheGoalRowsOfEventsStoredBefore_AsTheViewWritesThem_EvenRunTwice(string dimension, string rows)
    {
        // The same visits twice: collected with 0013's view in place, and stored before it (none of its rows),
        // which the migration's own statements then fill in, twice over as after an interruption.
        var events = new DemoTraffic(32, "pages.example", "UTC", seed: 32) { DayZone = DateTimeZone.Utc, SessionsPerDay = 300 }.Generate(Data.From, Data.From + Duration.FromDays(40)).ToList();
        var now = await engines.NewClickHouseAsync();
        await now.InsertAsync("events", ClickHouseJson.Encode(events));
        var old = await engines.NewClickHouseAsync();
        await old.InsertAsync("events", ClickHouseJson.Encode(events));
        var sync = new ClickHouseSettings { ["mutations_sync"] = "2" };
        await old.ExecuteAsync($"ALTER TABLE rollup_daily DELETE WHERE dimension = '{dimension}'", settings: sync);
        await old.ExecuteAsync($"ALTER TABLE rollup_monthly DELETE WHERE dimension = '{dimension}'", settings: sync);
        var migration = Analytics.Storage.Hosting.SchemaFile.Load("clickhouse").Single(f => f.Version == 13);
        for (var run = 0; run < 2; run++)
        {
            foreach (var statement in migration.Statements())
            {
                await old.ExecuteAsync(statement);
            }
        }

        foreach (var sql in new[]
        {
            $"SELECT day, value, uniqCombinedMerge(13)(visitor_sketch), sum(pageviews), sum(events), sum(engagements), sum(engaged_ms), sum(revenue) FROM rollup_daily WHERE dimension = '{dimension}' GROUP BY day, value {rows.Replace("WHERE", "HAVING", StringComparison.Ordinal)} ORDER BY day, value",
            $"SELECT month, value, uniqCombinedMerge(13)(visitor_sketch), sum(pageviews), sum(events), sum(revenue) FROM rollup_monthly WHERE dimension = '{dimension}' GROUP BY month, value {rows.Replace("WHERE", "HAVING", StringComparison.Ordinal)} ORDER BY month, value",
        })
        {
            var expected = System.Text.Encoding.UTF8.GetString(await now.QueryRawAsync(sql, "TSV"));
            var got = System.Text.Encoding.UTF8.GetString(await old.QueryRawAsync(sql, "TSV"));
            Assert.True(expected.Split('\n').Length > (sql.Contains("rollup_daily", StringComparison.Ordinal) ? 10 : 1), $"too few rows to tell:\n{expected}");
            Assert.True(expected == got, $"differ:\n{string.Join("\n", expected.Split('\n').Zip(got.Split('\n')).Where(p => p.First != p.Second).Take(5).Select(p => $"  now {p.First}\n  got {p.Second}"))}");
        }
    }
}

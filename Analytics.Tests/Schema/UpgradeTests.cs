using System.Net;
using System.Text.Json;
using Analytics.Api.Reports;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Migrations;
using Analytics.Ingest.Events;
using Analytics.Storage.Goals;
using Analytics.Tests.Host;
using Analytics.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;

namespace Analytics.Tests.Schema;

/// <summary>
/// A data directory made before a migration that writes the tables again (0015: the parts stored before 0014's codecs;
/// 0020: those stored before its own) upgrades in place: every partition is written anew with the codecs of now, a run
/// stopped half-way resumes after the last partition it wrote, progress is reported, and every report answers as on the
/// same events stored with the schema of now (the reports of now cannot read the schema of before).
/// </summary>
public sealed class UpgradeTests(Engines engines)
{
    private static readonly (long Id, string Zone)[] Properties = [(1, "Europe/Berlin"), (2, "Asia/Kolkata")];

    /// <param name="through">The last migration the directory had.</param>
    /// <param name="rewrite">The migration that writes every part again with the codecs it sets (the next file).</param>
    [Theory]
    [InlineData(13, "0015_rewrite_with_cold_codecs.sql")] // 0014's ZSTD(1) on the columns few queries read, 0015 writing the parts again
    [InlineData(19, "0020_codecs_by_measurement.sql")] // T64 and ZSTD(1) set and applied in one file
    public async Task MigrationThatRewrites_WritesEveryPartAgain_ResumesAfterAStop_AndEveryReportStaysTheSame(int through, string rewrite)
    {
        // A directory as an earlier release left it, its parts written with the codecs of then. The reports to hold it
        // to: the same events stored with the schema of now.
        var (clickHouse, now) = await ThenAndNowAsync(through, seedBase: 150);
        var version = int.Parse(rewrite[..4], System.Globalization.CultureInfo.InvariantCulture);

        await clickHouse.ExecuteAsync("OPTIMIZE TABLE events FINAL"); // one part per month already: what the rewrite writes again differs only in its codecs
        await clickHouse.ExecuteAsync("OPTIMIZE TABLE sessions FINAL");
        const string Bytes = "SELECT sum(data_compressed_bytes) AS n FROM system.parts WHERE database = currentDatabase() AND table IN ('events', 'sessions') AND active";
        var then = await CountAsync(clickHouse, Bytes);
        var before = await ReportsAsync(now);
        var original = await PartsAsync(clickHouse);
        var months = original.Where(p => p.Table == "events").DistinctBy(p => p.Partition).Count();
        Assert.True(months >= 4, "the events span too few months to tell");

        // A run stopped right after its first partition...
        using var stop = new CancellationTokenSource();
        var marker = $"Migration {rewrite}: wrote ";
        var log = new Progress(marker, stop);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new ClickHouseMigrator(clickHouse, log).MigrateAsync(stop.Token));
        var stopped = await PartsAsync(clickHouse);
        var first = original.Where(p => p.Table == "events").MinBy(p => p.Partition)!.Partition;
        Assert.Single(log.Lines);
        Assert.Contains($"wrote events partition {first} again (1 of {months};", log.Lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(stopped.Where(p => p.Table == "events" && p.Partition == first), original.Contains);
        Assert.All(stopped.Where(p => p.Partition != first || p.Table != "events"), p => Assert.Contains(p, original));

        // ...resumes with the next one, and the file is recorded when every partition of both tables is written again.
        var resumed = new Progress(marker, null);
        Assert.Equal(1, await new ClickHouseMigrator(clickHouse, resumed).MigrateAsync(CancellationToken.None, version)); // the files before it were recorded by the stopped run
        var after = await PartsAsync(clickHouse);
        Assert.Equal(original.Select(p => (p.Table, p.Partition)).Distinct().Count(), after.Count);
        Assert.All(after.Where(p => p.Table != "events" || p.Partition != first), p => Assert.DoesNotContain(p, original));
        Assert.Contains(stopped.Single(p => p.Table == "events" && p.Partition == first), after);
        Assert.Equal(after.Count - 1, resumed.Lines.Count);
        Assert.EndsWith("100% of its " + (await CountAsync(clickHouse, "SELECT count() AS n FROM sessions")).ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " rows)", resumed.Lines[^1], StringComparison.Ordinal);
        Assert.Equal(0UL, await CountAsync(clickHouse, "SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'schema_rewrites'"));
        var written = await CountAsync(clickHouse, Bytes);
        Assert.True(written < then * 0.9, $"the events and sessions take {written:N0} bytes written again, {then:N0} before");

        // The migrations after it, and every report answers as on the schema of now.
        await new ClickHouseMigrator(clickHouse, NullLogger<ClickHouseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var upgraded = await ReportsAsync(clickHouse);
        Assert.Equal(before.Count, upgraded.Count);
        foreach (var (query, answer) in before)
        {
            Assert.True(answer == upgraded[query], $"{query} differs after the upgrade:\n  now      {answer}\n  upgraded {upgraded[query]}");
        }

        Assert.True(before.Values.Count(a => a.Contains("[1", StringComparison.Ordinal) || a.Contains("[2", StringComparison.Ordinal) || a.Contains("[3", StringComparison.Ordinal)) > before.Count / 2, "too few reports found data");
    }

    [Fact]
    public async Task ADirectoryFromBeforeMigration0012_UpgradesThroughEveryMigration_AndEveryReportStaysTheSame()
    {
        // The oldest upgrade with data work in code: 0012 derives the events' visit bookkeeping again (EventReplay) on
        // the events table as 0011 left it, without the columns added since (0023's days, which their defaults give).
        var (then, now) = await ThenAndNowAsync(11, seedBase: 190);
        var before = await ReportsAsync(now);
        await new ClickHouseMigrator(then, NullLogger<ClickHouseMigrator>.Instance, [new Analytics.Ingest.Events.EventReplay(NullLogger<Analytics.Ingest.Events.EventReplay>.Instance)])
            .MigrateAsync(CancellationToken.None);
        var upgraded = await ReportsAsync(then);
        Assert.Equal(before.Count, upgraded.Count);
        foreach (var (query, answer) in before)
        {
            Assert.True(answer == upgraded[query], $"{query} differs after the upgrade:\n  now      {answer}\n  upgraded {upgraded[query]}");
        }

        Assert.True(before.Values.Count(a => a.Contains("[1", StringComparison.Ordinal) || a.Contains("[2", StringComparison.Ordinal)) > before.Count / 2, "too few reports found data");
    }

    /// <summary>
    /// A directory made before a migration that converts the sessions to a new definition (0018: argMin states of the
    /// attributes collect stamps on every event become plain values; 0021: the visitor joins the sorting key, for
    /// sampling; 0026: the visits' ids are derived, and their start ends the key; 0028: the exit and the entry hostname
    /// without argMin and argMax states) upgrades in place: every partition of
    /// sessions is converted, a run stopped after the first resumes with the next, and the sessions, and every report,
    /// equal those of a directory that stored the same events with the schema of now.
    /// </summary>
    /// <param name="through">The last migration the directory had.</param>
    /// <param name="version">The converting migration (the next file).</param>
    /// <param name="last">The last migration the resumed run applies: before the next one that changes what the probe reads
    /// (0025 adds each visit's pages, and a row with them; 0026 changes the sorting key again).</param>
    /// <param name="pending">The migrations from <paramref name="version"/> to <paramref name="last"/>.</param>
    /// <param name="rest">The migrations after <paramref name="last"/>.</param>
    /// <param name="maxBytes">At most this share of the sessions' bytes before, converted.</param>
    [Theory]
    [InlineData(17, "0018", 24, 7, 10, 0.85)]
    [InlineData(20, "0021", 24, 4, 10, 1.05)]
    [InlineData(25, "0026", 27, 2, 7, 0.95)]
    [InlineData(27, "0028", 29, 2, 5, 0.9)]
    public async Task MigrationThatConvertsSessions_ConvertsEveryPartition_ResumesAfterAStop_AndEqualsTheSchemaOfNow(int through, string version, int last, int pending, int rest, double maxBytes)
    {
        var (old, now) = await ThenAndNowAsync(through, seedBase: 180);
        var (probe, then, converted) = version switch
        {
            "0018" => ("SELECT type AS value FROM system.columns WHERE database = currentDatabase() AND table = 'sessions' AND name = 'entry_page'",
                "AggregateFunction(argMin, String, DateTime64(3, 'UTC'))", "SimpleAggregateFunction(any, String)"),
            "0021" => ("SELECT sorting_key || ' | ' || sampling_key AS value FROM system.tables WHERE database = currentDatabase() AND name = 'sessions'",
                "property_id, toDate(session_start), session_id | ", "property_id, toDate(session_start), visitor_id, session_id | visitor_id"),
            "0028" => ("SELECT arrayStringConcat(groupArray(name || ' ' || type), ', ') AS value FROM system.columns WHERE database = currentDatabase() AND table = 'sessions' AND name IN ('exit_page', 'hostname', 'exit_hostname', 'last_pageview', 'entry_hostname')",
                "exit_page AggregateFunction(argMax, String, DateTime64(3, 'UTC')), hostname AggregateFunction(argMin, String, DateTime64(3, 'UTC')), exit_hostname AggregateFunction(argMax, String, DateTime64(3, 'UTC'))",
                "last_pageview SimpleAggregateFunction(max, Tuple(DateTime64(3, 'UTC'), String, String)), entry_hostname SimpleAggregateFunction(any, LowCardinality(Nullable(String)))"),
            _ => ("SELECT sorting_key || ' | ' || (SELECT default_kind FROM system.columns WHERE database = currentDatabase() AND table = 'sessions' AND name = 'session_id') AS value FROM system.tables WHERE database = currentDatabase() AND name = 'sessions'",
                "property_id, toDate(session_start), visitor_id, session_id | ", "property_id, toDate(session_start), visitor_id, session_start | ALIAS"),
        };
        Assert.Equal(then, (await old.QueryAsync<Name>(probe))[0].Value);

        await old.ExecuteAsync("OPTIMIZE TABLE sessions FINAL"); // a row per visit, as the conversion writes them
        const string SessionBytes = "SELECT sum(data_compressed_bytes) AS n FROM system.parts WHERE database = currentDatabase() AND table = 'sessions' AND active";
        var before = await CountAsync(old, SessionBytes);
        var months = (await PartsAsync(old)).Where(p => p.Table == "sessions").Select(p => p.Partition).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.True(months.Count >= 4, "the sessions span too few months to tell");

        // A run stopped right after its first partition leaves sessions as they were, and that partition converted...
        using var stop = new CancellationTokenSource();
        var marker = $"Migration {version}: converted sessions partition";
        var log = new Progress(marker, stop);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new ClickHouseMigrator(old, log).MigrateAsync(stop.Token));
        Assert.StartsWith($"{marker} {months[0]} (1 of {months.Count}; ", log.Lines.Single(), StringComparison.Ordinal);
        Assert.Equal(then, (await old.QueryAsync<Name>(probe))[0].Value);
        Assert.Equal([months[0]], (await old.QueryAsync<Name>("SELECT DISTINCT _partition_id AS value FROM sessions_next")).Select(p => p.Value));

        // ...and the next run converts the others, exchanges the tables and creates the view again.
        var resumed = new Progress(marker, null);
        Assert.Equal(pending, await new ClickHouseMigrator(old, resumed).MigrateAsync(CancellationToken.None, last));
        Assert.Equal(months.Count - 1, resumed.Lines.Count);
        Assert.EndsWith("100% of its " + (await CountAsync(now, "SELECT count() AS n FROM sessions")).ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " rows)", resumed.Lines[^1], StringComparison.Ordinal);
        Assert.Equal(converted, (await old.QueryAsync<Name>(probe))[0].Value);
        Assert.Equal(0UL, await CountAsync(old, "SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name LIKE 'sessions\\_next%'"));
        var after = await CountAsync(old, SessionBytes);
        Assert.True(after < before * maxBytes, $"the sessions take {after:N0} bytes converted, {before:N0} before");
        Assert.Equal(rest, await new ClickHouseMigrator(old, NullLogger<ClickHouseMigrator>.Instance).MigrateAsync(CancellationToken.None));

        // New events go through the view of now, into the converted table.
        await GeneratedTraffic.LoadAsync(old, [(3UL, "UTC", "UTC")], Instant.FromUtc(2026, 10, 1, 0, 0), Instant.FromUtc(2026, 10, 3, 0, 0), sessionsPerDay: 40, visitorPool: 100, seedBase: 180);
        await GeneratedTraffic.LoadAsync(now, [(3UL, "UTC", "UTC")], Instant.FromUtc(2026, 10, 1, 0, 0), Instant.FromUtc(2026, 10, 3, 0, 0), sessionsPerDay: 40, visitorPool: 100, seedBase: 180);
        var expected = System.Text.Encoding.UTF8.GetString(await now.QueryRawAsync(Sessions, "TSV"));
        Assert.True(expected.Count(c => c == '\n') > 5_000, "too few sessions to tell");
        Assert.True(expected == System.Text.Encoding.UTF8.GetString(await old.QueryRawAsync(Sessions, "TSV")), "the converted sessions differ from those stored with the schema of now");

        await AssertSameReportsAsync(now, old);
    }

    /// <summary>
    /// 0028 reads each visit whole. Two visits stored in several rows each, merges not yet run: one visit's later
    /// events written before its first, the other's after (so that whichever row a read meets first, one visit's is not
    /// its first). Each keeps its first event's hostname as its entry and its last pageview's page and hostname as its
    /// exit, as the schema of now stores the same events; and a pageview after the upgrade still becomes the exit.
    /// </summary>
    [Fact]
    public async Task Migration0028_ReadsEachVisitWhole_VisitsStoredInSeveralRowsKeepTheirEntryAndExit()
    {
        var start = new DateTime(2026, 9, 1, 10, 0, 0, DateTimeKind.Utc);
        EventRow Event(ulong visitor, int seconds, string name, string hostname, string pathname) => new()
        {
            PropertyId = 5, DayZone = DateTimeZone.Utc, Timestamp = start.AddSeconds(seconds), Name = name, VisitorId = visitor, SessionStart = start,
            SessionFirst = seconds == 0 ? (byte)1 : (byte)0, Hostname = hostname, Pathname = pathname, EntryPage = "/one",
        };
        EventRow[] First(ulong visitor) => [Event(visitor, 0, "pageview", "a.example", "/one")];
        EventRow[] Later(ulong visitor) => [Event(visitor, 60, "pageview", "b.example", "/two"), Event(visitor, 90, "engagement", "b.example", "/two")];
        EventRow[][] blocks = [[.. Later(77), .. First(78)], [.. First(77), .. Later(78)], [Event(77, 120, "engagement", "c.example", "/two"), Event(78, 120, "engagement", "c.example", "/two")]];
        var old = await engines.NewBareClickHouseAsync();
        await new ClickHouseMigrator(old, NullLogger<ClickHouseMigrator>.Instance).MigrateAsync(CancellationToken.None, 27);
        var now = await engines.NewClickHouseAsync();
        await old.ExecuteAsync("SYSTEM STOP MERGES sessions");
        foreach (var block in blocks)
        {
            await old.InsertAsync("events", ClickHouseJson.Encode(block));
            await now.InsertAsync("events", ClickHouseJson.Encode(block));
        }

        Assert.Equal(6UL, await CountAsync(old, "SELECT count() AS n FROM sessions"));
        await new ClickHouseMigrator(old, NullLogger<ClickHouseMigrator>.Instance).MigrateAsync(CancellationToken.None);

        const string Visits = """
            SELECT arrayStringConcat(groupArray(visit), ', ') AS value FROM (
                SELECT visitor_id || ' ' || toString(ifNull(any(entry_hostname), '')) || ' ' || tupleElement(max(last_pageview), 2) || ' ' || tupleElement(max(last_pageview), 3) AS visit
                FROM sessions GROUP BY visitor_id ORDER BY visitor_id)
            """;
        Assert.Equal("77 a.example /two b.example, 78 a.example /two b.example", (await now.QueryAsync<Name>(Visits))[0].Value);
        Assert.Equal("77 a.example /two b.example, 78 a.example /two b.example", (await old.QueryAsync<Name>(Visits))[0].Value);

        await old.InsertAsync("events", ClickHouseJson.Encode([Event(77, 150, "engagement", "b.example", "/two"), Event(78, 180, "pageview", "d.example", "/three")]));
        Assert.Equal("77 a.example /two b.example, 78 a.example /three d.example", (await old.QueryAsync<Name>(Visits))[0].Value);
    }

    /// <summary>
    /// A directory made before 0025 (each visit's pages on its sessions rows) upgrades in place: every partition of
    /// sessions gets its visits' pages from their events, a run stopped after the first resumes with the next, and the
    /// visits (with their pages) and every report, under a page filter too, equal those of a directory that stored the
    /// same events with the schema of now.
    /// </summary>
    [Fact]
    public async Task MigrationThatGivesVisitsTheirPages_WritesEveryPartition_ResumesAfterAStop_AndEqualsTheSchemaOfNow()
    {
        var (old, now) = await ThenAndNowAsync(24, seedBase: 200);
        var months = (await PartsAsync(old)).Where(p => p.Table == "sessions").Select(p => p.Partition).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.True(months.Count >= 4, "the sessions span too few months to tell");

        // A run stopped right after its first partition...
        using var stop = new CancellationTokenSource();
        const string Marker = "Migration 0025: gave the visits of sessions partition";
        var log = new Progress(Marker, stop);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new ClickHouseMigrator(old, log).MigrateAsync(stop.Token));
        Assert.StartsWith($"{Marker} {months[0]} their pages (1 of {months.Count}; ", log.Lines.Single(), StringComparison.Ordinal);

        // ...and the next run writes the others, and records the file.
        var resumed = new Progress(Marker, null);
        Assert.Equal(10, await new ClickHouseMigrator(old, resumed).MigrateAsync(CancellationToken.None)); // 0025, 0026-0027 (the visits' ids derived), 0028-0029 (no states), 0030 (no page rollup), 0031 (no previous page), 0032 and 0033 (codecs), 0034 (goal rows by directory)
        Assert.Equal(months.Count - 1, resumed.Lines.Count);
        Assert.Equal(0UL, await CountAsync(old, "SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'visit_pages_written'"));
        const string Pages = "SELECT property_id, session_id, arraySort(groupUniqArrayArray(pages)) FROM sessions GROUP BY property_id, session_id ORDER BY property_id, session_id";
        var pages = System.Text.Encoding.UTF8.GetString(await now.QueryRawAsync(Pages, "TSV"));
        Assert.True(pages.Count(c => c == '\n') > 5_000 && pages.Contains("/blog", StringComparison.Ordinal), "too few visits to tell");
        Assert.True(pages == System.Text.Encoding.UTF8.GetString(await old.QueryRawAsync(Pages, "TSV")), "the visits' pages differ from those stored with the schema of now");
        var sessions = System.Text.Encoding.UTF8.GetString(await now.QueryRawAsync(Sessions, "TSV"));
        Assert.True(sessions == System.Text.Encoding.UTF8.GetString(await old.QueryRawAsync(Sessions, "TSV")), "the visits differ from those stored with the schema of now");

        await AssertSameReportsAsync(now, old);
    }

    /// <summary>
    /// serve on a directory with events from before 0015 listens first and applies the migration after: health says
    /// so, collect accepts events (kept in the spool), reports answer 503 naming the work; once it is done the events
    /// arrive and the migration is recorded.
    /// </summary>
    [Fact]
    public async Task Serve_ListensBeforeAMigrationWithDataWork_CollectKeepsAccepting_AndReportsAnswer503UntilItIsDone()
    {
        var data = Path.Combine(engines.Root, $"upgrade-{Guid.NewGuid():N}"[..20]);
        var generated = await AnalyticsProcess.RunAsync(data, "generate", "--events", "2000000", "--days", "120", "--end", "2026-11-30", "--domain", "upgrade.example");
        Assert.True(generated.Exit == 0, generated.Stderr);
        var unrecorded = await AnalyticsProcess.RunAsync(data, "sql", "ALTER TABLE schema_migrations DELETE WHERE version = 15 SETTINGS mutations_sync = 2");
        Assert.True(unrecorded.Exit == 0, unrecorded.Stderr);

        await using var server = await ServerProcess.StartAsync(engines, data);
        using var health = await server.Http.GetAsync("/health");
        Assert.Contains("ClickHouse migrations are running (applying migration 0015_rewrite_with_cold_codecs.sql", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var report = await server.Http.GetAsync("/api/v1/properties");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, report.StatusCode);
        Assert.Equal("30", report.Headers.RetryAfter?.ToString());
        Assert.Contains("The stored data is being upgraded (applying migration 0015_rewrite_with_cold_codecs.sql", await report.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var page = new HttpRequestMessage(HttpMethod.Get, "/");
        page.Headers.Accept.ParseAdd("text/html");
        using var upgradingPage = await server.Http.SendAsync(page);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, upgradingPage.StatusCode);
        Assert.Contains("<h1>Upgrading the stored data</h1>", await upgradingPage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var collect = new HttpRequestMessage(HttpMethod.Post, "/api/event") { Content = new StringContent("""{"n":"pageview","u":"https://upgrade.example/during-the-upgrade","d":"upgrade.example"}""") };
        collect.Headers.TryAddWithoutValidation("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36");
        using var accepted = await server.Http.SendAsync(collect);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.False(accepted.Headers.Contains("X-Analytics-Dropped"));

        // The spool's batcher (it inserts within a second) waits for the migrations: none of its batches while they run.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var metrics = await server.Http.GetStringAsync("/metrics");
        using var still = await server.Http.GetAsync("/health");
        Assert.Contains("ClickHouse migrations are running", await still.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^analytics_batch_events_count(\{[^}]*\})? [1-9]", metrics);

        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!server.Output.ToString().Contains("ClickHouse migrations applied", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Matches(@"wrote events partition 2026\d\d again \((\d) of \1; 100% of its 2,\d{3},\d{3} rows\)", server.Output.ToString());
        Assert.NotEqual(HttpStatusCode.ServiceUnavailable, (await server.Http.GetAsync("/api/v1/properties")).StatusCode);
        await server.TerminateAsync();

        var stored = await AnalyticsProcess.RunAsync(data, "sql", "SELECT (SELECT count() FROM events WHERE pathname = '/during-the-upgrade'), (SELECT count() FROM schema_migrations WHERE version = 15)", "--format", "TSV");
        Assert.Equal("1\t1", stored.Stdout.Trim());
    }

    /// <summary>
    /// The same events (four months of both properties) in two directories: one as the release with the migrations up
    /// to <paramref name="through"/> left it, one with the schema of now.
    /// </summary>
    private async Task<(IClickHouse Then, IClickHouse Now)> ThenAndNowAsync(int through, int seedBase)
    {
        var then = await engines.NewBareClickHouseAsync();
        await new ClickHouseMigrator(then, NullLogger<ClickHouseMigrator>.Instance).MigrateAsync(CancellationToken.None, through);
        var now = await engines.NewClickHouseAsync();
        var (from, to) = (Instant.FromUtc(2026, 7, 20, 0, 0), Instant.FromUtc(2026, 10, 10, 0, 0));
        await GeneratedTraffic.LoadIntoEarlierSchemaAsync(then, Properties.Select(p => ((ulong)p.Id, p.Zone)), from, to, sessionsPerDay: 80, visitorPool: 500, seedBase: seedBase);
        await GeneratedTraffic.LoadAsync(now, Properties.Select(p => ((ulong)p.Id, p.Zone, "UTC")), from, to, sessionsPerDay: 80, visitorPool: 500, seedBase: seedBase);

        return (then, now);
    }

    /// <summary>
    /// Every breakdown (each dimension, with the metrics it takes), the top stats and the graph, per property and source;
    /// with <paramref name="filtered"/> also under a visit filter and an event filter.
    /// </summary>
    private static async Task<Dictionary<string, string>> ReportsAsync(IClickHouse clickHouse, bool filtered = false)
    {
        Filter?[] filters = filtered
            ? [null, new Condition(FilterOperator.IsNot, Dimension.Parse("visit:source", "filters"), ["Direct / None"]), new Condition(FilterOperator.Contains, Dimension.Parse("event:page", "filters"), ["/blog"])]
            : [null];
        var engine = new ReportEngine(clickHouse);
        var answers = new Dictionary<string, string>(StringComparer.Ordinal);
        string[] dimensions = [.. Dimension.Names.Where(n => !n.Contains('<', StringComparison.Ordinal)), "event:props:plan", "time:day", "time:week", "time:month"];
        foreach (var (id, zoneId) in Properties)
        {
            var zone = DateTimeZoneProviders.Tzdb[zoneId];
            foreach (var (source, filter) in filters.Select(f => (ReportSource.Rollup, f)).Append((ReportSource.Raw, null)))
            {
                foreach (var dimension in dimensions.Prepend(null))
                {
                    var visit = dimension is null || !dimension.StartsWith("event:", StringComparison.Ordinal);
                    var query = new ReportQuery
                    {
                        PropertyId = id,
                        Zone = zone,
                        DayZone = DateTimeZone.Utc, // the days of a directory made before day zones
                        Range = ReportRanges.Days(zone, new LocalDate(2026, 7, 25), new LocalDate(2026, 10, 5)),
                        Metrics = visit ? [Metric.Visitors, Metric.Visits, Metric.Pageviews, Metric.BounceRate, Metric.VisitDuration, Metric.Events] : [Metric.Visitors, Metric.Pageviews, Metric.Events],
                        Dimensions = dimension is null ? [] : [Dimension.Parse(dimension, "dimensions")],
                        Limit = 1000,
                        Source = source,
                        Filter = filter,
                        Goals = [new(1, id, "Signup", "Signup", null, null, "USD", "{}", DateTime.UnixEpoch), new(2, id, "Visit /pricing", null, "/pricing", null, null, "{}", DateTime.UnixEpoch), new(3, id, "Visit a post", null, "/blog/*", null, null, "{}", DateTime.UnixEpoch)],
                    };
                    var result = await engine.RunAsync(query, CancellationToken.None);
                    answers[$"{id} {source} {dimension ?? "top stats"}{(filter is null ? string.Empty : $" where {filter}")}"] = JsonSerializer.Serialize(result.Rows.Select(r => new { r.Dimensions, r.Metrics }));
                }
            }
        }

        return answers;
    }

    /// <summary>Every report, filtered too (<see cref="ReportsAsync"/>), the same from the upgraded directory as from the one made with the schema of now.</summary>
    private static async Task AssertSameReportsAsync(IClickHouse now, IClickHouse upgraded)
    {
        var reports = await ReportsAsync(now, filtered: true);
        var answers = await ReportsAsync(upgraded, filtered: true);
        foreach (var (query, answer) in reports)
        {
            Assert.True(answer == answers[query], $"{query} differs after the upgrade:\n  now      {answer}\n  upgraded {answers[query]}");
        }

        Assert.True(reports.Values.Count(a => a.Contains("[1", StringComparison.Ordinal) || a.Contains("[2", StringComparison.Ordinal) || a.Contains("[3", StringComparison.Ordinal)) > reports.Count / 2, "too few reports found data");
    }

    /// <summary>Each visit as its sessions rows sum to, by property and id (as of migration 0028).</summary>
    private const string Sessions = """
        SELECT property_id, session_id, min(session_start), any(visitor_id), max(session_end), sum(pageviews), sum(events), sum(bounce), sum(duration_ms),
               any(entry_page), any(entry_hostname), any(referrer), any(referrer_source), any(utm_source), any(utm_medium), any(utm_campaign), any(utm_content),
               any(utm_term), any(country_code), any(city), any(browser), any(os), any(device_type), max(channel),
               if(sum(pageviews) = 0, '', tupleElement(max(last_pageview), 2)), if(sum(pageviews) = 0, '', tupleElement(max(last_pageview), 3)) -- the exit (its time is the visit's last event's in a converted row)
        FROM sessions GROUP BY property_id, session_id ORDER BY property_id, session_id
        """;

    private static async Task<List<Part>> PartsAsync(IClickHouse clickHouse)
        => [.. await clickHouse.QueryAsync<Part>("SELECT table, partition_id AS partition, name FROM system.parts WHERE database = currentDatabase() AND active AND table IN ('events', 'sessions') ORDER BY table, partition, name")];

    private static async Task<ulong> CountAsync(IClickHouse clickHouse, string sql) => (await clickHouse.QueryAsync<Count>(sql))[0].N;

    private static async Task<string> TypeAsync(IClickHouse clickHouse, string column)
        => (await clickHouse.QueryAsync<Name>("SELECT type AS value FROM system.columns WHERE database = currentDatabase() AND table = 'sessions' AND name = {column:String}", new { column }))[0].Value;

    private sealed record Name(string Value);

    private sealed record Part(string Table, string Partition, string Name);

    private sealed record Count(ulong N);

    /// <summary>The migrator's progress lines (those with <paramref name="marker"/>); with a source to cancel, it stops the run at the first.</summary>
    private sealed class Progress(string marker, CancellationTokenSource? stop) : ILogger<ClickHouseMigrator>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = formatter(state, exception);
            if (line.Contains(marker, StringComparison.Ordinal))
            {
                Lines.Add(line);
                stop?.Cancel();
            }
        }
    }
}

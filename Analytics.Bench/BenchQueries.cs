using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Migrations;
using Analytics.Ingest.Demo;
using Analytics.Ingest.Events;
using Analytics.Api.Reports;
using Analytics.Storage.Funnels;
using Analytics.Storage.Goals;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;

using Analytics.Cli.Commands;
using Analytics.Dashboard;

namespace Analytics.Bench;

/// <summary>The in-process benchmarks on the generated data: bulk load, dashboard sets (rollups and raw events), storage.</summary>
internal sealed class BenchQueries(IClickHouse clickHouse, long propertyId, DateTimeZone zone, DateTimeZone dayZone, LocalDate lastDay)
{
    /// <summary>
    /// Eight questions of a dashboard: the graph, top stats and six breakdowns (the graph first, as
    /// <see cref="TimeViewAsync"/> reads a set). The PostgreSQL baseline asks the same (<see cref="PostgresBaseline"/>),
    /// so the raw events and the baseline are compared with the rollups on these; a view as the dashboard shows it is
    /// <see cref="ViewSet"/>.
    /// </summary>
    public IReadOnlyList<(string Name, ReportQuery Query)> DashboardSet(int days, ReportSource source = ReportSource.Rollup)
    {
        var range = ReportRanges.Days(zone, lastDay.PlusDays(1 - days), lastDay);
        var interval = days > 62 ? TimeInterval.Month : TimeInterval.Day; // the dashboard graph's natural interval
        ReportQuery Query(Metric[] metrics, Dimension? dimension = null, int limit = 10) => new()
        {
            PropertyId = propertyId,
            Zone = zone,
            DayZone = dayZone,
            Range = range,
            Metrics = metrics,
            Dimensions = dimension is null ? [] : [dimension],
            Limit = limit,
            Source = source,
        };

        Metric[] top = [Metric.Visitors, Metric.Visits, Metric.Pageviews, Metric.ViewsPerVisit, Metric.BounceRate, Metric.VisitDuration];
        return
        [
            ($"graph ({interval})", Query([Metric.Visitors, Metric.Pageviews], Dimension.Parse("time", "dimension", interval), 400)),
            ("top stats", Query(top)),
            ("sources", Query([Metric.Visitors], Dimension.Parse("visit:source", "dimension"))),
            ("top pages", Query([Metric.Visitors, Metric.Pageviews, Metric.TimeOnPage, Metric.ScrollDepth], Dimension.Parse("event:page", "dimension"))),
            ("entry pages", Query([Metric.Visits, Metric.BounceRate], Dimension.Parse("visit:entry_page", "dimension"))),
            ("countries", Query([Metric.Visitors], Dimension.Parse("visit:country", "dimension"))),
            ("browsers", Query([Metric.Visitors], Dimension.Parse("visit:browser", "dimension"))),
            ("devices", Query([Metric.Visitors], Dimension.Parse("visit:device", "dimension"))),
        ];
    }

    /// <summary>
    /// A dashboard view's first screen, exactly as the dashboard asks for it (DashboardLoader): the graph of visitors by
    /// the range's natural interval first, then the top stats and each panel's first tab (sources, top pages, countries,
    /// browsers, page types, goals, custom events), under <paramref name="filter"/>. The property has the bench's goals
    /// but the scroll goal (<c>goals_scroll_12m</c> times that one: its row reads raw events).
    /// </summary>
    public IReadOnlyList<(string Name, ReportQuery Query)> ViewSet(int days, Filter? filter = null)
    {
        var range = ReportRanges.Days(zone, lastDay.PlusDays(1 - days), lastDay);
        var query = new ReportQuery
        {
            PropertyId = propertyId,
            Zone = zone,
            DayZone = dayZone,
            Range = range,
            Metrics = DashboardLoader.Asked(DashboardLoader.TopMetrics, filter),
            Filter = filter,
            Goals = [.. Goals.Where(g => g.Kind != GoalKind.Scroll)],
        };
        return
        [
            ("graph", DashboardLoader.GraphQuery(query, Metric.Visitors, TimeBuckets.Natural(range))),
            ("top stats", query),
            .. DashboardLoader.Shown(_ => null).Select(p => (p.Tab.Label.ToLowerInvariant(), p.Tab.Query(query, p.Limit + 1))),
        ];
    }

    /// <summary>The same set as Plausible v2 queries for <c>POST /api/v2/query</c> (to time it through the server).</summary>
    public IReadOnlyList<JsonObject> ApiQueries(string domain, int days) => DashboardSet(days).Select(q => new JsonObject
    {
        ["site_id"] = domain,
        ["metrics"] = new JsonArray(q.Query.Metrics.Select(m => (JsonNode?)Metrics.Name(m)).ToArray()),
        ["date_range"] = new JsonArray(Day(lastDay.PlusDays(1 - days)), Day(lastDay)),
        ["dimensions"] = new JsonArray(q.Query.Dimensions.Select(d => (JsonNode?)d.Name).ToArray()),
    }).ToList();

    /// <summary>Runs a set <paramref name="runs"/> times after one warm-up run; the time of each whole set, in ms.</summary>
    public async Task<Timings> TimeSetAsync(string label, IReadOnlyList<(string Name, ReportQuery Query)> set, int runs, CancellationToken cancellationToken)
    {
        var engine = new ReportEngine(clickHouse);
        return await Timings.MeasureAsync(label, set.Select(q => (q.Name, (Func<Task>)(() => engine.RunAsync(q.Query, cancellationToken)))).ToList(), runs);
    }

    /// <summary>
    /// A <see cref="ViewSet"/> as the dashboard reads it (DashboardLoader): the graph alone, then the top stats and the
    /// panels together (<see cref="ReportEngine.RunAllAsync"/>, where panels share a scan and visits looked up by a
    /// filter on events are looked up once).
    /// </summary>
    /// <param name="sampleAbove">Sampling as <c>Reports:SampleAbove</c> sets it (0: every visitor is read).</param>
    public async Task<Timings> TimeViewAsync(string label, IReadOnlyList<(string Name, ReportQuery Query)> set, int runs, CancellationToken cancellationToken, long sampleAbove = 0)
    {
        var engine = new ReportEngine(clickHouse, options: new ReportOptions { SampleAbove = sampleAbove });
        var together = set.Skip(1).Select(q => q.Query).ToList();
        return await Timings.MeasureAsync(
            label,
            [(set[0].Name, () => engine.RunAsync(set[0].Query, cancellationToken)), ("top stats and panels", () => engine.RunAllAsync(together, cancellationToken))],
            runs);
    }

    /// <summary>
    /// How far a sampled view is from the whole: the one visitor in N it read, and the largest difference, in percent,
    /// between its counts (visitors, visits, pageviews) and the exact ones over the top stats and the first three rows
    /// of each breakdown.
    /// </summary>
    public async Task<(int OneIn, double ErrorPercent)> SampleErrorAsync(IReadOnlyList<(string Name, ReportQuery Query)> set, long sampleAbove, CancellationToken cancellationToken)
    {
        var exact = new ReportEngine(clickHouse);
        var sampling = new ReportEngine(clickHouse, options: new ReportOptions { SampleAbove = sampleAbove });
        var (oneIn, error) = (1, 0.0);
        foreach (var (_, query) in set.Where(q => q.Query.Dimensions.All(d => !d.IsTime)))
        {
            var whole = await exact.RunAsync(query, cancellationToken);
            var sampled = await sampling.RunAsync(query, cancellationToken);
            oneIn = Math.Max(oneIn, sampled.SampledOneIn);
            var estimates = sampled.Rows.ToDictionary(r => string.Join('|', r.Dimensions));
            foreach (var row in whole.Rows.Take(3))
            {
                var estimate = estimates.GetValueOrDefault(string.Join('|', row.Dimensions));
                foreach (var (metric, i) in query.Metrics.Select((m, i) => (m, i)).Where(x => x.m is Metric.Visitors or Metric.Visits or Metric.Pageviews))
                {
                    var value = estimate?.Metrics[i] ?? 0;
                    error = Math.Max(error, row.Metrics[i] == 0 ? 0 : Math.Abs(value - row.Metrics[i]) / row.Metrics[i] * 100);
                }
            }
        }

        return (oneIn, Math.Round(error, 2));
    }

    /// <summary>
    /// The goals the bench counts, as an owner sets them up: two custom events (one a revenue goal), three pages by
    /// pattern (one exact, one segment, one any depth) and a page scrolled to 75%.
    /// </summary>
    public IReadOnlyList<Goal> Goals { get; } =
    [
        new(1, propertyId, "Signup", "Signup", null, null, "USD", "{}", DateTime.UnixEpoch),
        new(2, propertyId, "File Download", "File Download", null, null, null, "{}", DateTime.UnixEpoch),
        new(3, propertyId, "Visit /pricing", null, "/pricing", null, null, "{}", DateTime.UnixEpoch),
        new(4, propertyId, "Visit /signup", null, "/signup", null, null, "{}", DateTime.UnixEpoch),
        new(5, propertyId, "Visit a post", null, "/blog/*", null, null, "{}", DateTime.UnixEpoch),
        new(6, propertyId, "Read the docs", null, "/docs/**", 75, null, "{}", DateTime.UnixEpoch),
    ];

    /// <summary>
    /// The Goals panel over <paramref name="days"/>, as the dashboard asks for it (Panels.Goals): every goal's unique
    /// and total conversions, conversion rate and revenue; with <paramref name="scroll"/> the scroll goal too (which the
    /// rollups do not hold: its row reads raw events).
    /// </summary>
    public Task<Timings> TimeGoalsAsync(int days, bool scroll, int runs, CancellationToken cancellationToken)
    {
        var goals = Goals.Where(g => scroll || g.Kind != GoalKind.Scroll).ToList();
        var query = Range(days) with { Metrics = [Metric.Visitors, Metric.Events, Metric.ConversionRate, Metric.TotalRevenue], Dimensions = [Dimension.Parse("event:goal", "dimensions")], Goals = goals };
        return TimeSetAsync($"goals{(scroll ? " with a scroll goal" : string.Empty)}, {days} days", [("by goal", query)], runs, cancellationToken);
    }

    /// <summary>
    /// The engine's own speed on this machine, apart from the data: one fixed statement over generated numbers, the kind
    /// of work the report statements do (a hash aggregation of 2M keys, the hashes of 20M strings). Hello-world measures
    /// the server's requests, not the engine: two machines of one kind gave the same hello-world and query figures
    /// 5-25% apart (docs/benchmarks.md, 2026-12-05).
    /// </summary>
    public Task<Timings> TimeEngineAsync(int runs, CancellationToken cancellationToken)
        => Timings.MeasureAsync("engine yardstick", [("engine", () => clickHouse.QueryRawAsync(EngineYardstick, "TSV", cancellationToken: cancellationToken))], runs);

    private const string EngineYardstick = "SELECT uniqExact(number % 2000000), sum(cityHash64(toString(number))) FROM numbers(20000000)";

    /// <summary>A four-step funnel (home, pricing, the signup page, a signup) over <paramref name="days"/>.</summary>
    public Task<Timings> TimeFunnelAsync(int days, int runs, CancellationToken cancellationToken)
    {
        var home = new Goal(7, propertyId, "Visit /", null, "/", null, null, "{}", DateTime.UnixEpoch);
        var funnel = new Funnel(1, propertyId, "Home to signup", [home, .. Goals.Where(g => g.Id is 3 or 4 or 1).OrderBy(g => g.Id switch { 3 => 0, 4 => 1, _ => 2 })]);
        var engine = new ReportEngine(clickHouse);
        var query = Range(days) with { Metrics = [Metric.Visitors], Goals = Goals };
        return Timings.MeasureAsync($"funnel, 4 steps, {days} days", [("funnel", () => engine.FunnelAsync(query, funnel, cancellationToken))], runs);
    }

    private ReportQuery Range(int days) => new()
    {
        PropertyId = propertyId,
        Zone = zone,
        DayZone = dayZone,
        Range = ReportRanges.Days(zone, lastDay.PlusDays(1 - days), lastDay),
        Metrics = [Metric.Visitors],
    };

    /// <summary>
    /// Rows per second per core of a bulk load through every view: rows already encoded (as the generator's loader
    /// sends them) inserted into a fresh database, divided by the CPU time the process spent (ClickHouse runs in it).
    /// </summary>
    public static async Task<(double RowsPerSecondPerCore, double RowsPerSecond, long Rows)> MeasureLoadAsync(IClickHouse server, int events, CancellationToken cancellationToken)
    {
        var scratch = server.WithDatabase("bench_load");
        await scratch.WithDatabase("default").ExecuteAsync("DROP DATABASE IF EXISTS bench_load SYNC", cancellationToken: cancellationToken);
        await new ClickHouseMigrator(scratch, NullLogger<ClickHouseMigrator>.Instance).MigrateAsync(cancellationToken);
        var spec = new GenerateCommand.Spec(events, Math.Max(1, events / 100_000), new LocalDate(2026, 10, 31), 3);
        var batches = spec.Traffic(1, "load.bench", "UTC", DateTimeZone.Utc).Generate(spec.From, spec.To).Chunk(DemoLoader.BatchSize).Select(b => (Rows: EventNative.Encode(b), b.Length)).ToList();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        long rows = 0;
        foreach (var (data, count) in batches)
        {
            await EventNative.InsertAsync(scratch, "events", data, cancellationToken: cancellationToken);
            rows += count;
            AnalyticsCommandLine.Bar(rows / (double)batches.Sum(b => b.Length), $"bulk load: {rows:N0} rows", final: rows == batches.Sum(b => b.Length));
        }

        var seconds = wall.Elapsed.TotalSeconds;
        process.Refresh();
        var cpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
        await scratch.WithDatabase("default").ExecuteAsync("DROP DATABASE bench_load SYNC", cancellationToken: cancellationToken);
        return (rows / cpuSeconds, rows / seconds, rows);
    }

    /// <summary>Compressed bytes on disk of every table with a property's data (raw and views), per event.</summary>
    public async Task<(double BytesPerEvent, IReadOnlyDictionary<string, double> PerTable, ulong Events)> StorageAsync(CancellationToken cancellationToken)
    {
        var events = (await clickHouse.QueryAsync<CountRow>("SELECT count() AS n FROM events", cancellationToken: cancellationToken)).Single().N;
        var parts = await clickHouse.QueryAsync<PartRow>(
            "SELECT table, sum(data_compressed_bytes) AS bytes FROM system.parts WHERE database = {db:String} AND active GROUP BY table",
            new { db = clickHouse.Database },
            cancellationToken: cancellationToken);
        var perTable = parts.Where(p => Analytics.Storage.ClickHouse.Catalog.DerivedTables.WithEvents.Contains(p.Table)).ToDictionary(p => p.Table, p => p.Bytes / (double)Math.Max(events, 1));
        return (perTable.Values.Sum(), perTable, events);
    }

    private static string Day(LocalDate day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private sealed record CountRow(ulong N);

    private sealed record PartRow(string Table, ulong Bytes);
}

/// <summary>The times of repeated runs of one set (ms), and the median of each query in it.</summary>
internal sealed record Timings(IReadOnlyList<double> Runs, IReadOnlyDictionary<string, double> QueryMedians)
{
    /// <summary>Runs a set of named steps <paramref name="runs"/> times after one warm-up run, timing each step and the whole set.</summary>
    public static async Task<Timings> MeasureAsync(string label, IReadOnlyList<(string Name, Func<Task> Run)> set, int runs)
    {
        var totals = new List<double>();
        var perStep = set.ToDictionary(q => q.Name, _ => new List<double>());
        for (var run = -1; run < runs; run++)
        {
            var all = Stopwatch.StartNew();
            foreach (var (name, step) in set)
            {
                var one = Stopwatch.StartNew();
                await step();
                if (run >= 0)
                {
                    perStep[name].Add(one.Elapsed.TotalMilliseconds);
                }
            }

            if (run >= 0)
            {
                totals.Add(all.Elapsed.TotalMilliseconds);
            }

            AnalyticsCommandLine.Bar((run + 2) / (double)(runs + 1), $"{label}: {all.Elapsed.TotalMilliseconds:F0} ms", final: run == runs - 1);
        }

        return new Timings(totals, perStep.ToDictionary(q => q.Key, q => Percentile(q.Value, 0.5)));
    }

    public double P50 => Percentile(Runs, 0.5);

    public double P95 => Percentile(Runs, 0.95);

    /// <summary>Nearest-rank percentile.</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

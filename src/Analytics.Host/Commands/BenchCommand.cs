using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Analytics.ClickHouse;
using Analytics.ClickHouse.Migrations;
using Analytics.Demo;
using Analytics.Reports;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;

namespace Analytics.Host.Commands;

/// <summary>Benchmarks, with figures for docs/benchmarks.md. Data goes to a database of its own ("bench"), never the product's.</summary>
internal static class BenchCommand
{
    private const long PropertyId = 1;
    private const double EventsPerSession = 5.4; // the demo generator's mean (pageviews, engagements, custom events)
    private static readonly string[] Tables = ["events", "sessions", "rollup_property", "rollup_page", "rollup_daily"];

    public static Command Create()
    {
        var events = new Option<long>("--events") { Description = "About how many events to generate (once; kept for later runs).", DefaultValueFactory = _ => 3_000_000 };
        var runs = new Option<int>("--runs") { Description = "How many times to run the query set; the median is reported.", DefaultValueFactory = _ => 5 };
        var queries = new Command("queries", "Times a full dashboard's queries (top stats, daily graph, six breakdowns) over 12 months of generated events.") { events, runs };
        queries.SetAction((parse, cancellationToken) => AnalyticsCommandLine.Guard(async () =>
        {
            await using var context = await AdminContext.OpenAsync(parse, withClickHouse: true, cancellationToken);
            var clickHouse = context.Get<IClickHouse>().WithDatabase("bench");
            await new ClickHouseMigrator(clickHouse, NullLogger<ClickHouseMigrator>.Instance).MigrateAsync(cancellationToken);

            var zone = DateTimeZoneProviders.Tzdb["America/New_York"];
            var to = Instant.FromUtc(2026, 11, 1, 0, 0);
            var from = to - Duration.FromDays(365);
            var target = parse.GetValue(events);
            var have = (await clickHouse.QueryAsync<Count>("SELECT count() AS n FROM events", cancellationToken: cancellationToken)).Single().N;
            if (have < target * 0.9)
            {
                foreach (var table in Tables)
                {
                    await clickHouse.ExecuteAsync($"TRUNCATE TABLE {table}", cancellationToken: cancellationToken);
                }

                var traffic = new DemoTraffic((ulong)PropertyId, "bench.example", zone.Id, 7) { SessionsPerDay = (int)(target / EventsPerSession / 365 / 0.9), VisitorPool = 2_000_000 };
                var watch = Stopwatch.StartNew();
                var loaded = await DemoLoader.LoadAsync(clickHouse, traffic, from, to, "bench", AnalyticsCommandLine.Progress, cancellationToken);
                AnalyticsCommandLine.Progress($"Generated {loaded:N0} events in {watch.Elapsed.TotalSeconds:F1} s ({loaded / watch.Elapsed.TotalSeconds:N0} events/s).");
                // Merged as background merges leave a table that has had time to settle.
                foreach (var table in Tables)
                {
                    await clickHouse.ExecuteAsync($"OPTIMIZE TABLE {table} FINAL", cancellationToken: cancellationToken);
                }

                have = (ulong)loaded;
            }

            var engine = new ReportEngine(clickHouse);
            var range = ReportRanges.Days(zone, to.InZone(zone).Date.PlusMonths(-12), to.InZone(zone).Date.PlusDays(-1));
            var dashboard = Dashboard(zone, range);
            var timings = dashboard.ToDictionary(q => q.Name, _ => new List<double>());
            var totals = new List<double>();
            for (var run = 0; run < parse.GetValue(runs); run++)
            {
                var all = Stopwatch.StartNew();
                foreach (var (name, query) in dashboard)
                {
                    var watch = Stopwatch.StartNew();
                    await engine.RunAsync(query, cancellationToken);
                    timings[name].Add(watch.Elapsed.TotalMilliseconds);
                }

                totals.Add(all.Elapsed.TotalMilliseconds);
                AnalyticsCommandLine.Progress($"run {run + 1}: {all.Elapsed.TotalMilliseconds:F0} ms");
            }

            Console.WriteLine($"Dashboard queries over 12 months, {have:N0} events (median of {totals.Count} runs, sequential):");
            foreach (var (name, query) in dashboard)
            {
                var plan = ReportEngine.Explain(query);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-24} {Median(timings[name]),8:F1} ms   ({plan.Events ?? "-"} / {plan.Sessions ?? "-"})"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"all together",-24} {Median(totals),8:F1} ms"));
            return 0;
        }));

        return new Command("bench", "Benchmarks on generated data in a separate 'bench' database (figures for docs/benchmarks.md).") { queries };
    }

    private static List<(string Name, ReportQuery Query)> Dashboard(DateTimeZone zone, ReportRange range)
    {
        ReportQuery Query(Metric[] metrics, string? dimension = null, int limit = 10) => new()
        {
            PropertyId = PropertyId,
            Zone = zone,
            Range = range,
            Metrics = metrics,
            Dimensions = dimension is null ? [] : [Dimension.Parse(dimension, "dimension")],
            Limit = limit,
        };

        return
        [
            ("top stats", Query([Metric.Visitors, Metric.Visits, Metric.Pageviews, Metric.ViewsPerVisit, Metric.BounceRate, Metric.VisitDuration])),
            ("graph (days)", Query([Metric.Visitors, Metric.Pageviews], "time:day", 400)),
            ("sources", Query([Metric.Visitors], "visit:source")),
            ("top pages", Query([Metric.Visitors, Metric.Pageviews, Metric.TimeOnPage, Metric.ScrollDepth], "event:page")),
            ("entry pages", Query([Metric.Visits, Metric.BounceRate], "visit:entry_page")),
            ("countries", Query([Metric.Visitors], "visit:country")),
            ("browsers", Query([Metric.Visitors], "visit:browser")),
            ("devices", Query([Metric.Visitors], "visit:device")),
        ];
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private sealed record Count(ulong N);
}

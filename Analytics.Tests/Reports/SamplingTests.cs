using Analytics.Api.Reports;
using Analytics.Storage.ClickHouse;
using Analytics.Tests.Infrastructure;
using NodaTime;

namespace Analytics.Tests.Reports;

/// <summary>
/// Sampling by visitor (schema/clickhouse/0021, <see cref="ReportQuery.SampleOneIn"/>): a sampled report reads about one
/// visitor in N, scales its counts by N, and estimates every figure within the error a sample of that size has; the
/// engine samples only ranges above <see cref="ReportOptions.SampleAbove"/>, only what the rollups cannot answer, and
/// says so (<see cref="QueryResult.SampledOneIn"/>).
/// </summary>
public sealed class SamplingTests(SamplingTests.Data data) : IClassFixture<SamplingTests.Data>
{
    public sealed class Data(Engines engines) : IAsyncLifetime
    {
        public const long Property = 1;

        public IClickHouse ClickHouse { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            ClickHouse = await engines.NewClickHouseAsync();
            await GeneratedTraffic.LoadAsync(ClickHouse, [((ulong)Property, Zone.Id, Zone.Id)], Instant.FromUtc(2026, 8, 1, 0, 0), Instant.FromUtc(2026, 10, 1, 0, 0),
                sessionsPerDay: 700, visitorPool: 30_000, seedBase: 400);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static readonly DateTimeZone Zone = DateTimeZoneProviders.Tzdb["Europe/Berlin"];

    private static readonly Metric[] Counts = [Metric.Visitors, Metric.Visits, Metric.Pageviews];

    private static ReportQuery Query(string? dimension, string? filter, ReportSource source = ReportSource.Rollup) => new()
    {
        PropertyId = Data.Property,
        Zone = Zone,
        DayZone = Zone,
        Range = ReportRanges.Days(Zone, new LocalDate(2026, 8, 3), new LocalDate(2026, 9, 27)),
        Metrics = [.. Counts, Metric.BounceRate, Metric.VisitDuration],
        Dimensions = dimension is null ? [] : [Dimension.Parse(dimension, "dimensions")],
        Filter = FilterJson.Parse(filter),
        Goals = [],
        Limit = 5,
        Source = source,
    };

    /// <summary>The views whose figures come from raw events or the sessions table: filters and breakdowns the rollups do not keep.</summary>
    public static TheoryData<string?, string?, ReportSource> Sampled() => new()
    {
        { null, """[["contains", "event:page", ["/blog"]]]""", ReportSource.Rollup },
        { "visit:entry_page", """[["contains", "event:page", ["/docs"]]]""", ReportSource.Rollup },
        { "event:page", """[["is", "visit:source", ["Google"]]]""", ReportSource.Rollup },
        { "visit:country", """[["is", "visit:device", ["mobile"]]]""", ReportSource.Rollup },
        { "visit:source", """[["is", "visit:country", ["US"]], ["is", "visit:browser", ["Chrome"]]]""", ReportSource.Rollup },
        { "visit:exit_page", null, ReportSource.Rollup },
        { "visit:browser", null, ReportSource.Raw },
    };

    [Theory]
    [MemberData(nameof(Sampled))]
    public async Task ASample_ScalesItsCounts_AndEstimatesEveryFigureWithinItsError(string? dimension, string? filter, ReportSource source)
    {
        const int OneIn = 4;
        var engine = new ReportEngine(data.ClickHouse);
        var exact = await engine.RunAsync(Query(dimension, filter, source), CancellationToken.None);
        var sampled = await engine.RunAsync(Query(dimension, filter, source) with { SampleOneIn = OneIn }, CancellationToken.None);

        Assert.Equal(1, exact.SampledOneIn);
        Assert.Equal(OneIn, sampled.SampledOneIn);
        Assert.True(exact.Rows.Count > 0 && exact.Rows[0].Metrics[0] > 1_000, "too few visitors to tell");
        // Each half is sampled if it reads raw events or the sessions table; a rollup's is whole (a page filter's visitors).
        static bool Raw(string? source) => source is nameof(ReportSource.Raw) or nameof(ReportSource.Sessions);
        var scaled = new[] { Raw(sampled.Plan.Events), Raw(sampled.Plan.Sessions), Raw(sampled.Plan.Events) };
        Assert.Contains(true, scaled);
        var sampledRows = sampled.Rows.ToDictionary(r => string.Join('|', r.Dimensions));
        var compared = 0;
        foreach (var row in exact.Rows.Where(r => r.Metrics[0] >= 500))
        {
            var key = string.Join('|', row.Dimensions);
            Assert.True(sampledRows.TryGetValue(key, out var estimate), $"{key} is missing from the sample");
            for (var i = 0; i < Counts.Length; i++)
            {
                // A count of the sample's visitors' rows, scaled: a multiple of N, off from the whole by a few standard
                // errors of a sample of one visitor in N (rows of one visitor come together: pageviews vary more).
                Assert.True(!scaled[i] || estimate.Metrics[i] % OneIn == 0, $"{key} {Counts[i]}: {estimate.Metrics[i]} is not scaled by {OneIn}");
                Assert.True(scaled[i] || estimate.Metrics[i] == row.Metrics[i], $"{key} {Counts[i]}: {estimate.Metrics[i]} from a rollup, {row.Metrics[i]} in all");
                var perVisitor = Math.Max(1, row.Metrics[i] / row.Metrics[0]);
                var error = Math.Sqrt(row.Metrics[i] * perVisitor * (OneIn - 1));
                Assert.True(Math.Abs(estimate.Metrics[i] - row.Metrics[i]) <= 5 * error, $"{key} {Counts[i]}: {estimate.Metrics[i]} sampled, {row.Metrics[i]} in all (error {error:F0})");
            }

            if (row.Metrics[1] / OneIn >= 1_000)
            {
                // Ratios over a thousand sampled visits or more: within a few standard errors (a duration varies by about its mean).
                Assert.True(Math.Abs(estimate.Metrics[3] - row.Metrics[3]) <= 6, $"{key} bounce rate: {estimate.Metrics[3]} sampled, {row.Metrics[3]} in all");
                Assert.True(Math.Abs(estimate.Metrics[4] - row.Metrics[4]) <= row.Metrics[4] * 0.15, $"{key} visit duration: {estimate.Metrics[4]} sampled, {row.Metrics[4]} in all");
            }

            compared++;
        }

        Assert.True(compared > 0, "no row to compare");
        Assert.NotEqual(Shown(exact), Shown(sampled)); // a sample, not the whole
    }

    [Fact]
    public async Task TheEngine_SamplesRangesAboveTheThreshold_OnlyWhereTheRollupsCannotAnswer_AndSaysSo()
    {
        var exact = new ReportEngine(data.ClickHouse);
        var range = Query(null, null).Range;
        var events = (double)(await data.ClickHouse.QueryAsync<Count>(
            "SELECT count() AS n FROM events WHERE property_id = {property:UInt64} AND timestamp >= {from:DateTime64(3)} AND timestamp < {to:DateTime64(3)}",
            new { property = (ulong)Data.Property, from = range.From.ToDateTimeUtc(), to = range.To.ToDateTimeUtc() }))[0].N;
        Assert.True(events > 100_000, "too few events to tell");

        // Above the threshold: one visitor in N, N the smallest that brings the range's rows of events (pings too: what
        // a scan reads) under it. The engine counts the UTC days the range touches, up to two more than its 56.
        var engine = new ReportEngine(data.ClickHouse, options: new ReportOptions { SampleAbove = (long)(events / 2.5) });
        var filtered = Query("visit:source", """[["contains", "event:page", ["/blog"]]]""");
        var sampled = await engine.RunAsync(filtered, CancellationToken.None);
        Assert.Equal(3, sampled.SampledOneIn);
        Assert.Equal(Shown(sampled), Shown(await exact.RunAsync(filtered with { SampleOneIn = 3 }, CancellationToken.None)));

        // What the rollups answer is exact, sampling or not.
        var rolledUp = Query("visit:source", null);
        var whole = await engine.RunAsync(rolledUp, CancellationToken.None);
        Assert.Equal(1, whole.SampledOneIn);
        Assert.Equal(Shown(await exact.RunAsync(rolledUp, CancellationToken.None)), Shown(whole));

        // A view's queries read together (shared scans, shared visit lookups) scale as each alone does.
        var view = new[] { filtered with { Dimensions = [] }, filtered, filtered with { Dimensions = [Dimension.Parse("visit:country", "dimensions")] }, filtered with { Dimensions = [Dimension.Parse("visit:browser", "dimensions")] } };
        var together = await engine.RunAllAsync(view, CancellationToken.None);
        for (var i = 0; i < view.Length; i++)
        {
            Assert.Equal(3, together[i].SampledOneIn);
            Assert.Equal(Shown(await engine.RunAsync(view[i], CancellationToken.None)), Shown(together[i]));
        }

        // Under the threshold, or asked for every visitor: exact.
        var under = new ReportEngine(data.ClickHouse, options: new ReportOptions { SampleAbove = (long)(events * 1.1) });
        var all = await exact.RunAsync(filtered, CancellationToken.None);
        Assert.Equal(Shown(all), Shown(await under.RunAsync(filtered, CancellationToken.None)));
        Assert.Equal(1, (await under.RunAsync(filtered, CancellationToken.None)).SampledOneIn);
        Assert.Equal(Shown(all), Shown(await engine.RunAsync(filtered with { SampleOneIn = 1 }, CancellationToken.None)));

        // The sparsest sample is one visitor in 100, however large the range.
        var tiny = new ReportEngine(data.ClickHouse, options: new ReportOptions { SampleAbove = 10 });
        Assert.Equal(ReportEngine.MaxSampleOneIn, (await tiny.RunAsync(filtered, CancellationToken.None)).SampledOneIn);
    }

    private sealed record Count(ulong N);

    private static string Shown(QueryResult result) => System.Text.Json.JsonSerializer.Serialize(result.Rows.Select(r => new { r.Dimensions, r.Metrics }));
}

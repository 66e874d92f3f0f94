using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Analytics.Storage.ClickHouse;
using Analytics.Ingest.Spool;
using Analytics.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Analytics.Tests.Ingest;

/// <summary>
/// ClickHouse failing, the spool at its cap, the disk full: collect keeps every promise it made (each 202 stored once),
/// refuses what it cannot keep with 503 and Retry-After, and resumes on its own.
/// </summary>
public sealed class OutageTests(Engines engines)
{
    private const string Domain = "outage.example";

    [Fact]
    public async Task InsertsFailingForTwoMinutes_CollectKeepsAccepting_ThenDrainsAtFiveTimesTheSteadyRate_LosingNothing()
    {
        var faulty = new FaultyClickHouse(await engines.NewClickHouseAsync());
        await using var app = await CollectApp.StartAsync(engines, faulty);
        var property = await app.AddPropertyAsync(Domain);
        var spool = app.Services.GetRequiredService<EventSpool>();

        faulty.Failing = true;
        var load = new EventLoad(app.Client);
        var steady = await load.PacedAsync(perSecond: 100, TimeSpan.FromMinutes(2));
        Assert.All(load.Answers, a => Assert.Equal(HttpStatusCode.Accepted, a.Status)); // the outage is invisible to the sites
        Assert.True(faulty.Failed > 5, $"{faulty.Failed} inserts failed");
        Assert.Empty(await StoredIdsAsync(app.ClickHouse, property.Id));
        Assert.True(spool.ReadySegments().Count > 10, $"{spool.ReadySegments().Count} segments wait");

        faulty.Failing = false;
        var healed = Stopwatch.StartNew();
        var acknowledged = load.Acknowledged();
        while (spool.ReadySegments().Count > 0 || spool.Bytes > 0)
        {
            Assert.True(healed.Elapsed < TimeSpan.FromMinutes(1), "the backlog did not drain within a minute");
            await Task.Delay(10);
        }

        var drainRate = acknowledged.Count / healed.Elapsed.TotalSeconds;
        Console.WriteLine($"outage: {acknowledged.Count} events at {steady:F0}/s for 2 minutes; drained in {healed.Elapsed.TotalSeconds:F2} s ({drainRate:F0}/s, {drainRate / steady:F1}x)");
        Assert.True(drainRate >= 5 * steady, $"drained at {drainRate:F0} events/s, the steady rate was {steady:F0}/s");
        await AssertStoredOnceAsync(app.ClickHouse, property.Id, acknowledged, refused: []);
    }

    [Fact]
    public async Task SpoolAtItsCap_Answers503WithRetryAfterWithinASecond_KeepsEveryAccepted_ResumesWithin5Seconds()
    {
        var faulty = new FaultyClickHouse(await engines.NewClickHouseAsync());
        await using var app = await CollectApp.StartAsync(engines, faulty, new() { ["Spool:MaxBytes"] = "1048576" });
        var property = await app.AddPropertyAsync(Domain);

        faulty.Failing = true; // nothing drains: the spool fills to its cap
        var load = new EventLoad(app.Client);
        await load.UntilRefusedAsync(refusals: 200);
        AssertRefusedWell(load);

        faulty.Failing = false; // the batcher drains; space comes back
        var resumedIn = await load.TimeToFirstAcceptAsync();
        Assert.True(resumedIn < TimeSpan.FromSeconds(5), $"resumed after {resumedIn}");
        await DrainAsync(app);
        await AssertStoredOnceAsync(app.ClickHouse, property.Id, load.Acknowledged(), load.Refused());
    }

    [Theory]
    [InlineData(0)] // the writes themselves fail (ENOSPC)
    [InlineData(524_288)] // the free-space check refuses first (Spool:MinFreeDiskBytes)
    public async Task DiskFull_Answers503WithRetryAfter_CorruptsNoSegment_ResumesWithin5SecondsOfSpace(long minFreeDiskBytes)
    {
        var mount = Path.Combine(engines.Root, "tmpfs-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(mount);
        await RunAsync("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount);
        try
        {
            var filler = Path.Combine(mount, "filler");
            await File.WriteAllBytesAsync(filler, new byte[3 << 20]);
            var spoolDirectory = Path.Combine(mount, "spool");
            var faulty = new FaultyClickHouse(await engines.NewClickHouseAsync());
            var property = 0L;
            var load = (EventLoad?)null;
            await using (var app = await CollectApp.StartAsync(engines, faulty, new()
            {
                ["Spool:Directory"] = spoolDirectory,
                ["Spool:MinFreeDiskBytes"] = minFreeDiskBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }))
            {
                property = (await app.AddPropertyAsync(Domain)).Id;
                faulty.Failing = true; // nothing drains: only more disk helps
                load = new EventLoad(app.Client);
                await load.UntilRefusedAsync(refusals: 200);
                AssertRefusedWell(load);

                // Every segment on the full disk reads back whole: what was acknowledged is there, nothing torn.
                var spool = app.Services.GetRequiredService<EventSpool>();
                foreach (var segment in spool.ReadySegments())
                {
                    Assert.Equal(new FileInfo(segment).Length, SegmentFormat.Read(segment).ValidLength);
                }

                File.Delete(filler);
                var resumedIn = await load.TimeToFirstAcceptAsync();
                Assert.True(resumedIn < TimeSpan.FromSeconds(5), $"resumed after {resumedIn}");

                faulty.Failing = false;
                await DrainAsync(app);
                Assert.Empty(Directory.GetFiles(spoolDirectory, "*.rejected"));
            }

            await AssertStoredOnceAsync(faulty, property, load.Acknowledged(), load.Refused());
        }
        finally
        {
            await RunAsync("umount", "-l", mount);
        }
    }

    /// <summary>Every refusal is a 503 with Retry-After, answered within a second.</summary>
    private static void AssertRefusedWell(EventLoad load)
    {
        var refused = load.Answers.Where(a => a.Status != HttpStatusCode.Accepted).ToList();
        Assert.True(refused.Count >= 200, $"{refused.Count} refused");
        Assert.True(load.Acknowledged().Count > 100, $"{load.Acknowledged().Count} accepted before the refusals");
        Assert.All(refused, a =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, a.Status);
            Assert.True(a.RetryAfter is > 0, "no Retry-After");
            Assert.True(a.Latency < TimeSpan.FromSeconds(1), $"answered after {a.Latency}");
        });
    }

    private static async Task DrainAsync(CollectApp app)
    {
        var spool = app.Services.GetRequiredService<EventSpool>();
        var deadline = Stopwatch.StartNew();
        while (spool.ReadySegments().Count > 0 || spool.Bytes > 0)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(1), "the spool did not drain within a minute");
            await Task.Delay(50);
        }
    }

    /// <summary>Each acknowledged id exactly once, no refused id at all, and every view counts what the raw table holds.</summary>
    private static async Task AssertStoredOnceAsync(IClickHouse clickHouse, long property, IReadOnlyCollection<long> acknowledged, IReadOnlyCollection<long> refused)
    {
        var stored = await StoredIdsAsync(clickHouse, property);
        Assert.Equal(acknowledged.Order(), stored.Intersect(acknowledged).Order());
        Assert.Equal(stored.Count, stored.Distinct().Count());
        Assert.Empty(stored.Intersect(refused));
        var views = (await clickHouse.QueryAsync<ViewTotals>(
            """
            SELECT (SELECT sum(events) FROM rollup_property WHERE property_id = {p:UInt64}) AS property_events,
                   (SELECT sum(events) FROM rollup_hourly WHERE property_id = {p:UInt64}) AS hourly_events,
                   (SELECT sum(events) FROM rollup_daily WHERE property_id = {p:UInt64} AND dimension = '') AS daily_events,
                   (SELECT sum(events) FROM sessions WHERE property_id = {p:UInt64}) AS session_events
            """, new { p = property })).Single();
        Assert.Equal(new ViewTotals(stored.Count, stored.Count, stored.Count, stored.Count), views);
    }

    private sealed record ViewTotals(long PropertyEvents, long HourlyEvents, long DailyEvents, long SessionEvents);

    private sealed record StoredId(long Id);

    private static async Task<List<long>> StoredIdsAsync(IClickHouse clickHouse, long property)
        => (await clickHouse.QueryAsync<StoredId>("SELECT toInt64(props['id']) AS id FROM events WHERE property_id = {p:UInt64}", new { p = property })).Select(r => r.Id).ToList();

    private static async Task RunAsync(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)}: {error} (the disk-full test mounts a small tmpfs, which needs root)");
    }

    /// <summary>Events with unique ids, sent as the tracker sends them, and what collect answered to each.</summary>
    private sealed class EventLoad(HttpClient http)
    {
        private long _next;

        public ConcurrentBag<Answer> Answers { get; } = [];

        public List<long> Acknowledged() => Answers.Where(a => a.Status == HttpStatusCode.Accepted).Select(a => a.Id).ToList();

        public List<long> Refused() => Answers.Where(a => a.Status != HttpStatusCode.Accepted).Select(a => a.Id).ToList();

        /// <summary>A steady rate from 8 senders for a while; returns the rate reached.</summary>
        public async Task<double> PacedAsync(int perSecond, TimeSpan duration)
        {
            var watch = Stopwatch.StartNew();
            var sent = 0L;
            await Task.WhenAll(Enumerable.Range(0, 8).Select(async worker =>
            {
                for (var i = 0L; ; i++)
                {
                    var due = TimeSpan.FromSeconds((i * 8 + worker) / (double)perSecond);
                    if (due >= duration)
                    {
                        return;
                    }

                    if (due > watch.Elapsed)
                    {
                        await Task.Delay(due - watch.Elapsed);
                    }

                    await SendAsync();
                    Interlocked.Increment(ref sent);
                }
            }));
            return sent / watch.Elapsed.TotalSeconds;
        }

        /// <summary>As fast as 8 senders go, until collect has refused this many.</summary>
        public async Task UntilRefusedAsync(int refusals)
        {
            var deadline = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
            {
                while (Answers.Count(a => a.Status != HttpStatusCode.Accepted) < refusals)
                {
                    Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(1), $"only {Refused().Count} refusals after a minute");
                    await SendAsync();
                }
            }));
        }

        /// <summary>One event every 50 ms until one is accepted; how long that took.</summary>
        public async Task<TimeSpan> TimeToFirstAcceptAsync()
        {
            var watch = Stopwatch.StartNew();
            while ((await SendAsync()).Status != HttpStatusCode.Accepted)
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "collect did not resume within 30 s");
                await Task.Delay(50);
            }

            return watch.Elapsed;
        }

        private async Task<Answer> SendAsync()
        {
            var id = Interlocked.Increment(ref _next);
            var body = $$$"""{"n":"pageview","u":"https://{{{Domain}}}/p{{{id % 17}}}","d":"{{{Domain}}}","p":{"id":"{{{id}}}","pad":"{{{new string('x', 600)}}}"}}""";
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/event") { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
            request.Headers.TryAddWithoutValidation("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36");
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", $"203.0.113.{id % 200}");
            var watch = Stopwatch.StartNew();
            using var response = await http.SendAsync(request);
            var answer = new Answer(id, response.StatusCode, watch.Elapsed, response.Headers.RetryAfter?.Delta?.TotalSeconds);
            Answers.Add(answer);
            return answer;
        }
    }

    private sealed record Answer(long Id, HttpStatusCode Status, TimeSpan Latency, double? RetryAfter);
}

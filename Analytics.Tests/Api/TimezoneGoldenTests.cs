using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Analytics.Ingest.Transfer;
using Analytics.Storage.Properties;
using Analytics.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Text;

namespace Analytics.Tests.Api;

/// <summary>
/// Golden tests: known events, imported with the import command's code, around every UTC-offset change from 2024 to
/// 2027 in twelve zones of every kind. Hourly and daily pageviews and visits from the API equal counts made here with
/// NodaTime's local-time conversion of each event; bounce rate and visit duration equal a reference computation;
/// visitors are within 1% of the exact count; and a new time zone re-renders the same history at once.
/// </summary>
public sealed class TimezoneGoldenTests(TimezoneGoldenTests.Data data) : IClassFixture<TimezoneGoldenTests.Data>
{
    public static readonly string[] Zones =
    [
        "UTC", "America/New_York", "Europe/London", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Eucla", "Australia/Adelaide",
        "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns", "Pacific/Kiritimati", "Pacific/Pago_Pago",
    ];

    public sealed record Visit(ulong Visitor, Instant[] Pageviews);

    public sealed class Data(Engines engines) : IAsyncLifetime
    {
        public ApiApp App { get; private set; } = null!;

        public HttpClient Client { get; private set; } = null!;

        public Dictionary<string, (Property Property, List<Visit> Visits, List<Instant> Windows)> Sites { get; } = [];

        public async ValueTask InitializeAsync()
        {
            App = await ApiApp.StartAsync(engines, await engines.NewClickHouseAsync(), new DateTimeOffset(2028, 6, 1, 0, 0, 0, TimeSpan.Zero));
            Client = await App.ClientWithKeyAsync(null);
            var random = new Random(2024);
            ulong nextVisitor = 1;
            for (var z = 0; z < Zones.Length; z++)
            {
                var zone = DateTimeZoneProviders.Tzdb[Zones[z]];
                var property = await App.AddPropertyAsync($"zone{z}.example", Zones[z]);

                // A window around each offset change 2024-2027; zones without one get a window in March 2026.
                var changes = zone.GetZoneIntervals(Instant.FromUtc(2024, 1, 1, 0, 0), Instant.FromUtc(2028, 1, 1, 0, 0)).Skip(1).Select(i => i.Start).ToList();
                var windows = changes.Count > 0 ? changes : [Instant.FromUtc(2026, 3, 1, 0, 0)];
                var visits = new List<Visit>();
                foreach (var center in windows)
                {
                    // Sessions every few minutes, each its own visitor, 1 to 4 pageviews a few minutes apart.
                    for (var start = center - Duration.FromHours(52); start < center + Duration.FromHours(52); start += Duration.FromMinutes(random.Next(4, 25)))
                    {
                        var views = new List<Instant> { start };
                        for (var i = random.Next(0, 4); i > 0; i--)
                        {
                            views.Add(views[^1] + Duration.FromSeconds(random.Next(20, 600)));
                        }

                        visits.Add(new Visit(nextVisitor++, [.. views]));
                    }

                    // Edges: a millisecond either side of the change and of each local midnight nearby.
                    var edges = new List<Instant> { center, center - Duration.FromMilliseconds(1) };
                    for (var day = -1; day <= 1; day++)
                    {
                        var midnight = zone.AtStartOfDay(center.InZone(zone).Date.PlusDays(day)).ToInstant();
                        edges.AddRange([midnight, midnight - Duration.FromMilliseconds(1)]);
                    }

                    visits.AddRange(edges.Select(e => new Visit(nextVisitor++, [e])));
                }

                var jsonl = new StringBuilder();
                foreach (var visit in visits)
                {
                    foreach (var (view, i) in visit.Pageviews.Select((v, i) => (v, i)))
                    {
                        jsonl.Append(JsonSerializer.Serialize(new
                        {
                            timestamp = InstantPattern.ExtendedIso.Format(view),
                            name = "pageview",
                            visitor_id = visit.Visitor,
                            pathname = i == 0 ? "/" : $"/page{i}",
                        })).Append('\n');
                    }
                }

                await EventImport.RunAsync(App.ClickHouse, property, new MemoryStream(Encoding.UTF8.GetBytes(jsonl.ToString())), _ => { }, CancellationToken.None);
                Sites[Zones[z]] = (property, visits, windows);
            }
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await App.DisposeAsync();
        }
    }

    public static TheoryData<string> ZoneCases() => new(Zones);

    [Theory]
    [MemberData(nameof(ZoneCases))]
    public async Task HourlyAndDailyCounts_BounceRate_Duration_AndVisitors_EqualTheReference(string zoneId)
    {
        var (property, visits, windows) = data.Sites[zoneId];
        await AssertGoldenAsync(property.Domain, DateTimeZoneProviders.Tzdb[zoneId], visits, windows);
    }

    [Fact]
    public async Task ChangingTheTimeZone_ReRendersHistoryAtOnce()
    {
        var (property, visits, windows) = data.Sites["Pacific/Chatham"];
        var store = data.App.Services.GetRequiredService<PropertyStore>();
        try
        {
            await store.UpdateAsync(property.Id, null, "America/St_Johns", null, CancellationToken.None);
            await AssertGoldenAsync(property.Domain, DateTimeZoneProviders.Tzdb["America/St_Johns"], visits, windows.Take(2).ToList());
        }
        finally
        {
            await store.UpdateAsync(property.Id, null, "Pacific/Chatham", null, CancellationToken.None);
        }
    }

    private async Task AssertGoldenAsync(string domain, DateTimeZone zone, List<Visit> visits, List<Instant> windows)
    {
        var pageviews = visits.SelectMany(v => v.Pageviews).ToList();
        foreach (var center in windows)
        {
            var first = (center - Duration.FromHours(50)).InZone(zone).Date.PlusDays(1);
            var last = (center + Duration.FromHours(50)).InZone(zone).Date.PlusDays(-1);
            var from = zone.AtStartOfDay(first).ToInstant();
            var to = zone.AtStartOfDay(last.PlusDays(1)).ToInstant();
            var range = $"[\"{first:yyyy-MM-dd}\", \"{last:yyyy-MM-dd}\"]";
            var context = $"{zone.Id} around {center}";

            // Hours: pageviews and visits per local hour (a repeated hour twice, told apart by its offset).
            var hours = await QueryAsync(domain, range, "\"time:hour\"");
            var expectedHours = pageviews.Where(p => p >= from && p < to).Select(p => p.InZone(zone))
                .GroupBy(p => (Hour: p.LocalDateTime.Date + new LocalTime(p.Hour, 0), p.Offset)).OrderBy(g => g.Min(p => p.ToInstant()))
                .Select(g => (Label: g.Key.Hour.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), Count: (double)g.Count())).ToList();
            Assert.True(expectedHours.Count >= 40, $"{context}: {expectedHours.Count} hours with data");
            Assert.Equal(expectedHours, hours.Select(r => (r.Label, r.Metrics[0])).ToList());

            // Days: pageviews, and visits by the local day their first pageview fell on.
            var days = await QueryAsync(domain, range, "\"time:day\"");
            var expectedDays = pageviews.Where(p => p >= from && p < to).GroupBy(p => p.InZone(zone).Date).OrderBy(g => g.Key)
                .Select(g => (Label: g.Key.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Count: (double)g.Count())).ToList();
            Assert.Equal(expectedDays, days.Select(r => (r.Label, r.Metrics[0])).ToList());
            var expectedVisits = visits.Where(v => v.Pageviews[0] >= from && v.Pageviews[0] < to).GroupBy(v => v.Pageviews[0].InZone(zone).Date).OrderBy(g => g.Key)
                .Select(g => (double)g.Count()).ToList();
            Assert.Equal(expectedVisits, days.Select(r => r.Metrics[1]).ToList());

            // The whole range: bounce rate and visit duration of the visits that started in it, and visitors.
            var total = (await QueryAsync(domain, range, null)).Single().Metrics;
            var started = visits.Where(v => v.Pageviews[0] >= from && v.Pageviews[0] < to).ToList();
            Assert.Equal(Math.Round(100.0 * started.Count(v => v.Pageviews.Length == 1) / started.Count), total[2]);
            Assert.Equal(Math.Round(started.Sum(v => (v.Pageviews[^1] - v.Pageviews[0]).TotalMilliseconds) / 1000 / started.Count), total[3]);
            var exactVisitors = visits.Where(v => v.Pageviews.Any(p => p >= from && p < to)).Select(v => v.Visitor).Distinct().Count();
            Assert.InRange(total[4], exactVisitors * 0.99, exactVisitors * 1.01);
        }
    }

    private sealed record Row(string Label, double[] Metrics);

    private async Task<List<Row>> QueryAsync(string domain, string range, string? dimension)
    {
        var body = $$"""
            {"site_id": "{{domain}}", "metrics": ["pageviews", "visits", "bounce_rate", "visit_duration", "visitors"], "date_range": {{range}}
             {{(dimension is null ? string.Empty : $", \"dimensions\": [{dimension}]")}}}
            """;
        using var response = await data.Client.PostAsync("/api/v2/query", new StringContent(body, Encoding.UTF8, "application/json"));
        var json = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(response.IsSuccessStatusCode, json?.ToJsonString());
        return json!["results"]!.AsArray().Select(r => new Row(
            r!["dimensions"]!.AsArray().FirstOrDefault()?.GetValue<string>() ?? string.Empty,
            r["metrics"]!.AsArray().Select(m => m!.GetValue<double>()).ToArray())).ToList();
    }
}

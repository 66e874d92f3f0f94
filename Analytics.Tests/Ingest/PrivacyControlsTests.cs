using System.Net;
using System.Text;
using Analytics.Storage.ClickHouse;
using Analytics.Ingest.Demo;
using Analytics.Ingest.Events;
using Analytics.Ingest;
using Analytics.Ingest.Collect;
using Analytics.Storage.Properties;
using Analytics.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace Analytics.Tests.Ingest;

/// <summary>A property's privacy controls: allowed hostnames, Do Not Track / Global Privacy Control, retention.</summary>
public sealed class PrivacyControlsTests(Engines engines)
{
    private const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";

    private sealed record Count(ulong N);

    private static async Task<string?> SendAsync(CollectApp app, string url, string domain, params (string Name, string Value)[] headers)
    {
        var (status, reason, _) = await PostAsync(app, $$$"""{"n":"pageview","u":"{{{url}}}","d":"{{{domain}}}"}""", Chrome, headers);
        Assert.Equal(HttpStatusCode.Accepted, status);
        return reason;
    }

    /// <summary>Posts a body to collect: the status, the drop reason if any, and the answer's body.</summary>
    private static async Task<(HttpStatusCode Status, string? Reason, string Body)> PostAsync(CollectApp app, string body, string userAgent, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/event") { Content = new StringContent(body, Encoding.UTF8, "text/plain") };
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await app.Client.SendAsync(request);
        return (response.StatusCode, response.Headers.TryGetValues(CollectResponse.DroppedHeader, out var reason) ? reason.Single() : null, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AllowedHostnames_KeepListedHostsAndSubdomainPatterns_DropOthers_AndInvalidPatternsAreRefused()
    {
        await using var app = await CollectApp.StartAsync(engines);
        var store = app.Services.GetRequiredService<PropertyStore>();
        var property = await app.AddPropertyAsync("hosts.example");
        var updated = await store.UpdatePrivacyAsync(property.Id, ["Shop.Hosts.Example", "*.blog.hosts.example"], null, null, CancellationToken.None);
        Assert.Equal(["shop.hosts.example", "*.blog.hosts.example"], updated!.AllowedHostnames);
        using var dropped = Instruments.Collect(app.Services, "analytics.events.dropped");

        Assert.Null(await SendAsync(app, "https://shop.hosts.example/cart", "hosts.example"));
        Assert.Null(await SendAsync(app, "https://en.blog.hosts.example/post", "hosts.example"));
        Assert.Equal("hostname-not-allowed", await SendAsync(app, "https://blog.hosts.example/", "hosts.example"));
        Assert.Equal("hostname-not-allowed", await SendAsync(app, "https://copy-of-the-site.example/", "hosts.example"));
        Assert.Equal(2, dropped.Sum("hostname-not-allowed"));

        var refused = await Assert.ThrowsAsync<Analytics.Storage.Hosting.FieldValidationException>(() => store.UpdatePrivacyAsync(property.Id, ["not a host!"], null, null, CancellationToken.None));
        Assert.Equal("allowed_hostnames", refused.Field);
    }

    [Fact]
    public async Task DoNotTrackAndGlobalPrivacyControl_AreHonouredOnlyWhenTheOwnerSaysSo()
    {
        await using var app = await CollectApp.StartAsync(engines);
        var store = app.Services.GetRequiredService<PropertyStore>();
        var honouring = await app.AddPropertyAsync("dnt.example");
        await store.UpdatePrivacyAsync(honouring.Id, null, null, true, CancellationToken.None);
        await app.AddPropertyAsync("plain.example");

        Assert.Equal("do-not-track", await SendAsync(app, "https://dnt.example/", "dnt.example", ("DNT", "1")));
        Assert.Equal("do-not-track", await SendAsync(app, "https://dnt.example/", "dnt.example", ("Sec-GPC", "1")));
        Assert.Null(await SendAsync(app, "https://dnt.example/", "dnt.example", ("DNT", "0")));
        Assert.Null(await SendAsync(app, "https://plain.example/", "plain.example", ("DNT", "1")));
    }

    [Fact]
    public async Task DropsAreCountedPerPropertyAndReason_ForTheInstallationCheck_AndTheTrackersNoticeIsNeverStored()
    {
        const string Bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
        const string Page = """{"n":"pageview","u":"https://check.example/","d":"check.example"}""";
        await using var app = await CollectApp.StartAsync(engines);
        var store = app.Services.GetRequiredService<PropertyStore>();
        var checkedOne = await app.AddPropertyAsync("check.example");
        await store.UpdatePrivacyAsync(checkedOne.Id, ["check.example"], null, true, CancellationToken.None);
        var other = await app.AddPropertyAsync("other-check.example");

        Task<(HttpStatusCode Status, string? Reason, string Body)> Post(string body, string userAgent = Chrome, params (string Name, string Value)[] headers)
            => PostAsync(app, body, userAgent, headers);

        var bot = await Post(Page, Bot);
        Assert.Equal((HttpStatusCode.Accepted, "bot"), (bot.Status, bot.Reason));
        Assert.Equal("hostname-not-allowed", (await Post("""{"n":"pageview","u":"https://staging.check.example/","d":"check.example"}""")).Reason);
        Assert.Equal("hostname-not-allowed", (await Post("""{"n":"pageview","u":"https://copy.example/","d":"check.example"}""")).Reason);
        Assert.Equal("do-not-track", (await Post(Page, Chrome, ("DNT", "1"))).Reason);
        Assert.Equal("localhost", (await Post("""{"n":"pageview","u":"http://localhost:3000/","d":"check.example,other-check.example","ignored":"localhost"}""")).Reason);
        Assert.Equal("automated-browser", (await Post("""{"n":"pageview","u":"https://check.example/","d":"check.example","ignored":"automated-browser"}""")).Reason);
        Assert.Equal("unknown-property", (await Post("""{"n":"pageview","u":"https://nobody.example/","d":"nobody.example"}""")).Reason);
        var refused = await Post("""{"n":"pageview","u":"https://check.example/","d":"check.example","ignored":"because"}""");
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("\"ignored\"", refused.Body, StringComparison.Ordinal);
        Assert.Null((await Post(Page)).Reason); // kept

        var counters = app.Services.GetRequiredService<DropCounters>();
        await counters.FlushAsync(CancellationToken.None);
        var drops = app.Services.GetRequiredService<PropertyDrops>();
        var today = DateTime.UtcNow.Date;
        var counted = (await drops.SinceAsync(checkedOne.Id, today, CancellationToken.None)).ToDictionary(d => d.Reason);
        Assert.Equal(
            [("automated-browser", 1L), ("bot", 1L), ("do-not-track", 1L), ("hostname-not-allowed", 2L), ("localhost", 1L)],
            counted.Values.Select(d => (d.Reason, d.Count)).Order().ToList());
        Assert.Equal("copy.example", counted["hostname-not-allowed"].LastDetail);
        Assert.Equal([("localhost", 1L)], (await drops.SinceAsync(other.Id, today, CancellationToken.None)).Select(d => (d.Reason, d.Count)).ToList());

        // Counted again on the same day, they add up; only the kept page view reached the events.
        await Post(Page, Bot);
        await counters.FlushAsync(CancellationToken.None);
        Assert.Equal(2, (await drops.SinceAsync(checkedOne.Id, today, CancellationToken.None)).Single(d => d.Reason == "bot").Count);
        async Task<ulong> Stored() => (await app.ClickHouse.QueryAsync<Count>("SELECT count() AS n FROM events")).Single().N;
        await Eventually.WaitAsync(Stored, n => n >= 1, "the kept page view");
        Assert.Equal(1UL, await Stored());
    }

    [Fact]
    public async Task Retention_DeletesOnlyOlderRows_FromTheRawTableAndEveryRollup_OfThatPropertyOnly()
    {
        await using var app = await CollectApp.StartAsync(engines);
        var store = app.Services.GetRequiredService<PropertyStore>();
        var kept = await app.AddPropertyAsync("retention.example", "UTC");
        var other = await app.AddPropertyAsync("keeps-all.example", "UTC");
        await store.UpdatePrivacyAsync(kept.Id, null, 30, null, CancellationToken.None);

        var today = SystemClock.Instance.GetCurrentInstant().InUtc().Date;
        foreach (var property in new[] { kept, other })
        {
            var traffic = new DemoTraffic((ulong)property.Id, property.Domain, "UTC", seed: 3) { DayZone = property.Days, SessionsPerDay = 40 };
            var from = today.PlusDays(-75).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
            await app.ClickHouse.InsertAsync("events", ClickHouseJson.Encode(traffic.Generate(from, today.AtStartOfDayInZone(DateTimeZone.Utc).ToInstant())));
        }

        var before = await OldestAsync(app.ClickHouse, kept.Id);
        Assert.All(before, t => Assert.True(t.Value < today.PlusDays(-60), $"{t.Key} starts {t.Value}"));

        Assert.Equal(1, await app.Services.GetRequiredService<RetentionService>().ApplyAsync(CancellationToken.None));

        var cutoff = today.PlusDays(-30);
        foreach (var (table, oldest) in await OldestAsync(app.ClickHouse, kept.Id))
        {
            var limit = table == "rollup_monthly" ? new LocalDate(cutoff.Year, cutoff.Month, 1) : cutoff; // whole months only
            Assert.True(oldest >= limit, $"{table} still holds {oldest}, the cutoff is {cutoff}");
        }

        Assert.Equal(before.Keys.Order(), Analytics.Storage.ClickHouse.Catalog.DerivedTables.WithEvents.Order()); // every table was checked, and held rows
        Assert.All(await OldestAsync(app.ClickHouse, other.Id), t => Assert.True(t.Value < today.PlusDays(-60), $"{t.Key} of the other property lost rows"));
        Assert.Equal(0, await app.Services.GetRequiredService<RetentionService>().ApplyAsync(CancellationToken.None)); // nothing more to delete

        // The installation check's drop counts keep 30 days, whatever the property's retention.
        var drops = app.Services.GetRequiredService<PropertyDrops>();
        var now = DateTime.UtcNow;
        await drops.AddAsync([new DropTally(other.Id, "bot", now.Date.AddDays(-31), 5, now.AddDays(-31), null), new DropTally(other.Id, "bot", now.Date.AddDays(-30), 3, now.AddDays(-30), null)], CancellationToken.None);
        Assert.Equal(8, (await drops.SinceAsync(other.Id, now.AddDays(-40), CancellationToken.None)).Single().Count);
        await app.Services.GetRequiredService<RetentionService>().ApplyAsync(CancellationToken.None);
        Assert.Equal(3, (await drops.SinceAsync(other.Id, now.AddDays(-40), CancellationToken.None)).Single().Count);
    }

    private sealed record Oldest(string Table, DateTime First);

    /// <summary>The first day each table holds for the property.</summary>
    private static async Task<Dictionary<string, LocalDate>> OldestAsync(IClickHouse clickHouse, long property)
    {
        var rows = await clickHouse.QueryAsync<Oldest>(
            """
            SELECT 'events' AS table, toDateTime(min(timestamp)) AS first FROM events WHERE property_id = {p:UInt64}
            UNION ALL SELECT 'sessions', toDateTime(min(session_start)) FROM sessions WHERE property_id = {p:UInt64}
            UNION ALL SELECT 'rollup_property', toDateTime(min(bucket)) FROM rollup_property WHERE property_id = {p:UInt64}
            UNION ALL SELECT 'rollup_hourly', toDateTime(min(hour)) FROM rollup_hourly WHERE property_id = {p:UInt64}
            UNION ALL SELECT 'rollup_daily', toDateTime(min(day)) FROM rollup_daily WHERE property_id = {p:UInt64}
            UNION ALL SELECT 'rollup_monthly', toDateTime(min(month)) FROM rollup_monthly WHERE property_id = {p:UInt64}
            """, new { p = property });
        return rows.ToDictionary(r => r.Table, r => LocalDate.FromDateTime(r.First));
    }
}

using System.Net;
using System.Text;
using System.Text.Json;
using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Catalog;
using Analytics.Ingest.Collect;
using Analytics.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Analytics.Tests.Ingest;

public sealed class CollectTests(Engines engines, CollectTests.App app) : IClassFixture<CollectTests.App>
{
    public sealed class App(Engines engines) : IAsyncLifetime
    {
        public CollectApp Instance { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            Instance = await CollectApp.StartAsync(engines);
            await Instance.AddPropertyAsync("example.com");
            await Instance.AddPropertyAsync("other.example", "UTC");
        }

        public async ValueTask DisposeAsync() => await Instance.DisposeAsync();
    }

    private const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";

    private sealed record Stored(string Name, string Hostname, string Pathname, string Referrer, string ReferrerSource, string UtmSource, string UtmMedium,
        string ClickIdParam, string Channel, string CountryCode, string Region, string City, string Browser, string Os, string DeviceType, string ScreenSize,
        string Locale, ulong VisitorId, ulong SessionId, byte SessionFirst, sbyte BounceDelta, string EntryPage, Dictionary<string, string> Props,
        decimal RevenueAmount, string RevenueCurrency, byte ScrollDepth, uint EngagementMs, string ContentType, string Author, List<string> Tags, DateTime SessionStart);

    private async Task<HttpResponseMessage> PostAsync(string json, string userAgent = Chrome, string? forwardedFor = "2.125.160.216", string contentType = "text/plain")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/event") { Content = new StringContent(json, Encoding.UTF8, contentType) };
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        request.Headers.TryAddWithoutValidation("Accept-Language", "en-GB,en;q=0.9");
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return await app.Instance.Client.SendAsync(request);
    }

    /// <summary>Waits for rows the batcher has not inserted yet (it seals every 100 ms here).</summary>
    private async Task<List<Stored>> StoredAsync(string marker, int expected, IClickHouse? clickHouse = null)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var rows = (await (clickHouse ?? app.Instance.ClickHouse).QueryAsync<Stored>(
                "SELECT *, session_id FROM events WHERE props['marker'] = {marker:String} ORDER BY timestamp", new { marker })).ToList();
            if (rows.Count >= expected)
            {
                return rows;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"fewer than {expected} events with marker {marker} arrived");
    }

    private static string Marker() => Guid.NewGuid().ToString("N");

    [Fact]
    public async Task PlausibleEvent_AsTextPlain_Is202_AndStoredEnriched_UtmSourceOverridesReferrer()
    {
        var marker = Marker();
        var response = await PostAsync($$$"""{"n":"pageview","u":"https://example.com/a?utm_source=news&utm_medium=email&gclid=abc","d":"example.com","r":"https://www.google.com/search?q=private","w":1280,"p":{"marker":"{{{marker}}}"}}""", Chrome + " " + marker); // a visitor of its own: this must open a session

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var row = Assert.Single(await StoredAsync(marker, 1));
        Assert.Equal(("pageview", "example.com", "/a"), (row.Name, row.Hostname, row.Pathname));
        Assert.Equal(("news", "news", "email"), (row.UtmSource, row.ReferrerSource, row.UtmMedium));
        Assert.Equal("https://www.google.com/search", row.Referrer); // kept, without its query string
        Assert.Equal("gclid", row.ClickIdParam);
        Assert.Equal("Email", row.Channel); // the campaign's medium, not Google's paid click id: the source is "news"
        Assert.Equal(("GB", "England", "Boxford"), (row.CountryCode, row.Region, row.City)); // X-Forwarded-For from a trusted (loopback) proxy
        Assert.Equal(("Chrome", "Windows", "desktop", "laptop", "en-GB"), (row.Browser, row.Os, row.DeviceType, row.ScreenSize, row.Locale));
        Assert.Equal((1, 1, "/a"), (row.SessionFirst, row.BounceDelta, row.EntryPage));
    }

    /// <summary>
    /// Channels by Google Analytics 4's default channel group rules as Plausible applies them (its docs: "Acquisition
    /// channels"), one visit each: (page query, referrer, source, channel).
    /// </summary>
    public static readonly (string Query, string Referrer, string Source, string Channel)[] ChannelCases =
    [
        ("", "", "", "Direct"),
        ("", "https://www.google.com/", "Google", "Organic Search"),
        ("?gclid=x", "https://www.google.com/", "Google", "Paid Search"),
        ("?msclkid=x", "https://www.bing.com/", "Bing", "Paid Search"),
        ("?gclid=x", "https://duckduckgo.com/", "DuckDuckGo", "Organic Search"), // a Google click id counts for Google only
        ("?utm_source=google&utm_medium=cpc", "", "Google", "Paid Search"), // a known name in any case is the known source
        ("?utm_source=adwords", "", "Google", "Paid Search"),
        ("", "https://l.facebook.com/", "Facebook", "Organic Social"),
        ("?utm_source=facebook&utm_medium=paid_social", "", "Facebook", "Paid Social"),
        ("?utm_source=fb_ad", "", "Facebook", "Paid Social"),
        ("", "https://news.ycombinator.com/", "Hacker News", "Organic Social"),
        ("?utm_source=partner.example&utm_medium=social", "", "partner.example", "Organic Social"),
        ("", "https://www.youtube.com/", "Youtube", "Organic Video"),
        ("?utm_source=youtube&utm_medium=cpv", "", "Youtube", "Paid Video"),
        ("?utm_source=partner.example&utm_medium=banner", "", "partner.example", "Display"),
        ("?utm_source=partner.example&utm_medium=cpc", "", "partner.example", "Paid Other"),
        ("", "https://www.amazon.com/", "Amazon", "Organic Shopping"),
        ("?utm_source=partner.example&utm_campaign=summer-shop", "", "partner.example", "Organic Shopping"),
        ("?utm_source=partner.example&utm_campaign=workshop", "", "partner.example", "Referral"), // "shop" after a letter is not a shop
        ("?utm_source=partner.example&utm_campaign=shopping&utm_medium=ppc", "", "partner.example", "Paid Shopping"),
        ("?utm_source=google&utm_medium=cpc&utm_campaign=spring-cross-network", "", "Google", "Cross-network"),
        ("", "https://chatgpt.com/", "ChatGPT", "AI Assistants"),
        ("?utm_source=chatgpt.com", "", "ChatGPT", "AI Assistants"),
        ("", "https://gemini.google.com/app", "Google Gemini", "AI Assistants"),
        ("", "https://mail.google.com/mail/u/0/", "Gmail", "Email"),
        ("?utm_source=newsletter", "", "newsletter", "Email"),
        ("?utm_source=partner.example&utm_medium=e-mail", "", "partner.example", "Email"),
        ("?utm_medium=affiliate", "", "", "Affiliates"),
        ("?utm_medium=audio", "", "", "Audio"),
        ("?utm_source=sms", "", "sms", "SMS"),
        ("?utm_medium=web-push", "", "", "Mobile Push Notifications"),
        ("", "https://www.some-blog.example/post", "some-blog.example", "Referral"),
        ("?utm_medium=referral", "", "", "Referral"),
    ];

    [Fact]
    public async Task Channel_IsDerivedFromSourceUtmTagsAndClickId_AsPlausibleDoes()
    {
        var marker = Marker();
        for (var i = 0; i < ChannelCases.Length; i++)
        {
            var (query, referrer, _, _) = ChannelCases[i];
            var referrerField = referrer.Length == 0 ? string.Empty : $$$""","r":"{{{referrer}}}" """;
            var response = await PostAsync($$$"""{"n":"pageview","u":"https://example.com/c{{{query}}}","d":"example.com"{{{referrerField}}},"p":{"marker":"{{{marker}}}","case":"{{{i}}}"}}""", $"{Chrome} {marker} {i}");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var rows = (await StoredAsync(marker, ChannelCases.Length)).ToDictionary(r => int.Parse(r.Props["case"], System.Globalization.CultureInfo.InvariantCulture));
        var wrong = ChannelCases.Select((c, i) => (c, Got: (rows[i].ReferrerSource, rows[i].Channel)))
            .Where(x => x.Got != (x.c.Source, x.c.Channel))
            .Select(x => $"{x.c.Query} from '{x.c.Referrer}': {x.Got} instead of {(x.c.Source, x.c.Channel)}").ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task ServerSideTracking_WithAnEventsKey_EachVisitorIsTheirForwardedAddress_AndTheRateIsThePerKeys()
    {
        // Loopback is no trusted proxy here, and an address may send 2 events a second (bursts of 20).
        await using var backendApp = await CollectApp.StartAsync(engines, settings: new()
        {
            ["Collect:TrustedProxies"] = "192.0.2.1/32",
            ["Collect:RateLimitPerAddress"] = "2",
        });
        var site = await backendApp.AddPropertyAsync("site.example");
        await backendApp.AddPropertyAsync("elsewhere.example");
        var keys = backendApp.Services.GetRequiredService<Analytics.Storage.ApiKeys.ApiKeyStore>();
        var (_, events) = await keys.CreateAsync("backend", null, [site.Id], CancellationToken.None, ["events"]);
        var (_, stats) = await keys.CreateAsync("grafana", null, [site.Id], CancellationToken.None);
        var marker = Marker();

        async Task<HttpResponseMessage> SendAsync(string? key, string? forwardedFor, string domain = "site.example", string visitor = "v")
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/event")
            {
                Content = new StringContent($$$"""{"name":"pageview","url":"https://{{{domain}}}/{{{visitor}}}","domain":"{{{domain}}}","props":{"marker":"{{{marker}}}"}}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.TryAddWithoutValidation("User-Agent", Chrome); // every visitor of the backend has the same browser
            if (key is not null)
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            }

            if (forwardedFor is not null)
            {
                request.Headers.Add("X-Forwarded-For", forwardedFor);
            }

            return await backendApp.Client.SendAsync(request);
        }

        // Without a key, the forwarded addresses are the sender's to forge: both visits are the sender's.
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(null, "2.125.160.216", visitor: "anonymous-1")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(null, "81.2.69.142", visitor: "anonymous-2")).StatusCode);

        // With the key, each visitor is their own address (and is located by it), and the address's limit is not the one that applies.
        for (var i = 0; i < 30; i++)
        {
            var response = await SendAsync(events, i % 2 == 0 ? "2.125.160.216, 10.0.0.1" : "81.2.69.142", visitor: $"keyed-{i % 2}");
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"event {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        var rows = await StoredAsync(marker, 32, backendApp.ClickHouse);
        Assert.Single(rows.Where(r => r.Pathname.StartsWith("/anonymous", StringComparison.Ordinal)).Select(r => r.VisitorId).Distinct());
        var keyed = rows.Where(r => r.Pathname.StartsWith("/keyed", StringComparison.Ordinal)).GroupBy(r => r.Pathname).ToDictionary(g => g.Key, g => g.ToList());
        Assert.NotEqual(keyed["/keyed-0"][0].VisitorId, keyed["/keyed-1"][0].VisitorId);
        Assert.Single(keyed["/keyed-0"].Select(r => r.VisitorId).Distinct());
        Assert.Equal(("GB", "GB"), (keyed["/keyed-0"][0].CountryCode, keyed["/keyed-1"][0].CountryCode)); // both test addresses are British in the test database
        Assert.Equal("Boxford", keyed["/keyed-0"][0].City);
        Assert.NotEqual(keyed["/keyed-0"][0].City, keyed["/keyed-1"][0].City);

        // Refusals name what is wrong, with Plausible's "error" string.
        foreach (var (key, forwarded, domain, status, says) in new[]
        {
            ("ak_unknown", "2.125.160.216", "site.example", HttpStatusCode.Unauthorized, "unknown or revoked"),
            (stats, "2.125.160.216", "site.example", HttpStatusCode.Forbidden, "may not send events"),
            (events, "2.125.160.216", "elsewhere.example", HttpStatusCode.Forbidden, "'elsewhere.example'"),
            (events, "not-an-address", "site.example", HttpStatusCode.BadRequest, "X-Forwarded-For"),
        })
        {
            var response = await SendAsync(key, forwarded, domain);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status && body.Contains(says, StringComparison.Ordinal), $"{key[..6]} {forwarded} {domain}: {(int)response.StatusCode} {body}");
        }
    }

    [Fact]
    public async Task SameVisitor_SecondPageviewAndEngagement_JoinTheSession_AndUndoTheBounce()
    {
        var marker = Marker();
        var agent = Chrome + " " + marker; // a visitor of its own
        await PostAsync($$$"""{"n":"pageview","u":"https://example.com/first","d":"example.com","p":{"marker":"{{{marker}}}","seq":"1"}}""", agent);
        await PostAsync($$$"""{"n":"pageview","u":"https://example.com/app#/settings","d":"example.com","h":1,"p":{"marker":"{{{marker}}}","seq":"2"}}""", agent);
        await PostAsync($$$"""{"n":"engagement","u":"https://example.com/app#/settings","d":"example.com","h":true,"sd":80,"e":12000,"p":{"marker":"{{{marker}}}","seq":"3"}}""", agent);
        await PostAsync($$$"""{"n":"Signup","u":"https://example.com/app","d":"example.com","p":{"marker":"{{{marker}}}","plan":"pro","seq":"4"},"revenue":{"amount":"49.90","currency":"eur"},"m":{"type":"form","author":"Ada","tags":"x, y"}}""", agent);

        // Requests a millisecond apart can share a timestamp: order by the sequence the test sent.
        var rows = (await StoredAsync(marker, 4)).OrderBy(r => r.Props["seq"], StringComparer.Ordinal).ToList();

        Assert.Single(rows.Select(r => r.SessionId).Distinct());
        Assert.Equal(SessionIds.Of(rows[0].VisitorId, rows[0].SessionStart), rows[0].SessionId); // the table's id is collect's
        Assert.Single(rows.Select(r => r.VisitorId).Distinct());
        Assert.Equal(0, rows.Sum(r => r.BounceDelta));
        Assert.Equal("/app#/settings", rows[1].Pathname);
        Assert.Equal(["/first"], rows.Select(r => r.EntryPage).Distinct()); // the visit's entry, on each of its events
        Assert.Equal((80, 12000u), (rows[2].ScrollDepth, rows[2].EngagementMs));
        Assert.Equal((49.9m, "EUR", "pro"), (rows[3].RevenueAmount, rows[3].RevenueCurrency, rows[3].Props["plan"]));
        Assert.Equal(("form", "Ada"), (rows[3].ContentType, rows[3].Author));
        Assert.Equal(["x", "y"], rows[3].Tags);
    }

    [Fact]
    public async Task PlausiblesLongFieldNames_DollarRevenue_AndPropsInMOrMeta_AreRead()
    {
        var marker = Marker();
        var agent = Chrome + " " + marker;

        // As Plausible's documentation writes them: long names, props as an object in "props", revenue in "revenue".
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync($$$"""{"name":"Purchase","url":"https://example.com/checkout","domain":"example.com","referrer":"https://news.example/","props":{"marker":"{{{marker}}}","seq":"1"},"revenue":{"currency":"USD","amount":"10.5"}}""", agent)).StatusCode);

        // As Plausible's tracker sends them: revenue in "$", props as a JSON string in "m" (older trackers) or "meta".
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync($$$"""{"n":"Purchase","u":"https://example.com/checkout","d":"example.com","m":"{\"marker\":\"{{{marker}}}\",\"seq\":\"2\"}","$":{"amount":20,"currency":"EUR"}}""", agent)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync($$$"""{"n":"Purchase","u":"https://example.com/checkout","d":"example.com","meta":"{\"marker\":\"{{{marker}}}\",\"seq\":\"3\"}","$":"{\"amount\":\"30\",\"currency\":\"gbp\"}"}""", agent)).StatusCode);

        // "m" with other keys than our page metadata is Plausible's props too.
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync($$$"""{"n":"Purchase","u":"https://example.com/checkout","d":"example.com","m":{"marker":"{{{marker}}}","seq":"4"}}""", agent)).StatusCode);

        var rows = (await StoredAsync(marker, 4)).OrderBy(r => r.Props["seq"], StringComparer.Ordinal).ToList();
        Assert.All(rows, r => Assert.Equal(("Purchase", "/checkout"), (r.Name, r.Pathname)));
        Assert.Equal("https://news.example/", rows[0].Referrer);
        Assert.Equal([(10.5m, "USD"), (20m, "EUR"), (30m, "GBP"), (0m, string.Empty)], rows.Select(r => (r.RevenueAmount, r.RevenueCurrency)));
        Assert.All(rows, r => Assert.Equal(string.Empty, r.ContentType));

        // Errors name the field as it was sent.
        var bad = await PostAsync("""{"name":"","url":"nope","domain":"example.com","$":{"amount":"x","currency":"EUR"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var body = JsonDocument.Parse(await bad.Content.ReadAsStringAsync());
        Assert.Equal(["$.amount", "name", "url"], body.RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public async Task CommaSeparatedDomains_StoreOneEventPerProperty()
    {
        var marker = Marker();
        var response = await PostAsync($$$"""{"n":"pageview","u":"https://example.com/","d":"example.com,other.example","p":{"marker":"{{{marker}}}"}}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(2, (await StoredAsync(marker, 2)).Count);
    }

    [Fact]
    public async Task InvalidFields_400_NamesEachField_AndStoresNothing()
    {
        var marker = Marker();
        var response = await PostAsync($$$"""{"n":7,"u":"ftp://example.com/","p":{"marker":"{{{marker}}}","nested":{"a":1}},"revenue":{"amount":1,"currency":"euro"},"sd":101}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var fields = body.RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order().ToList();
        Assert.Equal(["d", "n", "p.nested", "revenue.currency", "sd", "u"], fields);

        // A valid event sent after it is stored after anything accepted before it (the spool keeps order), so once it is
        // in, a wrongly kept event would be too.
        var fence = Marker();
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync($$$"""{"n":"pageview","u":"https://example.com/","d":"example.com","p":{"marker":"{{{fence}}}"}}""")).StatusCode);
        await StoredAsync(fence, 1);
        Assert.Empty(await app.Instance.ClickHouse.QueryAsync<Stored>("SELECT * FROM events WHERE props['marker'] = {marker:String}", new { marker }));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"n\":\"pageview\",\"u\":\"https://example.com/\",\"d\":\"example.com\",\"p\":\"{broken\"}")]
    public async Task MalformedBodies_400_NotA500(string body)
        => Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(body)).StatusCode);

    [Fact]
    public async Task BodyOver16KiB_413()
    {
        var response = await PostAsync($$$"""{"n":"pageview","u":"https://example.com/","d":"example.com","p":{"big":"{{{new string('x', 17_000)}}}"}}""");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "example.com", "bot")]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/130.0.0.0 Safari/537.36", "example.com", "bot")]
    [InlineData(Chrome, "unknown.example", "unknown-property")]
    public async Task DroppedOnPurpose_202_WithReasonHeader_AndCounted(string userAgent, string domain, string reason)
    {
        using var dropped = Instruments.Collect(app.Instance.Services, "analytics.events.dropped");

        var response = await PostAsync($$$"""{"n":"pageview","u":"https://{{{domain}}}/","d":"{{{domain}}}"}""", userAgent);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(reason, response.Headers.GetValues(CollectResponse.DroppedHeader).Single());
        Assert.Equal(1, dropped.Sum(reason));
        Assert.Equal(1, dropped.Sum());
    }

    [Fact]
    public async Task EngagementWithoutSession_IsDroppedNotStored()
    {
        var response = await PostAsync("""{"n":"engagement","u":"https://example.com/","d":"example.com","sd":10,"e":100}""", Chrome + " lonely");

        Assert.Equal("no-session", response.Headers.GetValues(CollectResponse.DroppedHeader).Single());
    }

    [Fact]
    public async Task Preflight_AllowsAnyOriginWithoutCredentials()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/api/event");
        request.Headers.Add("Origin", "https://example.com");
        request.Headers.Add("Access-Control-Request-Method", "POST");

        var response = await app.Instance.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task SpoolFull_503WithRetryAfter_NeverA202ForWhatWasNotKept()
    {
        // Every insert fails, so the spool only grows until its 1 MiB cap.
        var failing = new FaultyClickHouse(await engines.NewClickHouseAsync()) { Failing = true };
        await using var full = await CollectApp.StartAsync(engines, failing, new() { ["Spool:MaxBytes"] = "1048576" });
        await full.AddPropertyAsync("example.com");
        var props = string.Join(',', Enumerable.Range(0, 25).Select(i => $"\"k{i}\":\"{new string('v', 500)}\""));

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 200 && refused is null; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/event") { Content = new StringContent($$$"""{"n":"pageview","u":"https://example.com/","d":"example.com","p":{{{{props}}}}}""") };
            request.Headers.TryAddWithoutValidation("User-Agent", Chrome);
            var response = await full.Client.SendAsync(request);
            statuses.Add(response.StatusCode);
            refused = response.StatusCode == HttpStatusCode.ServiceUnavailable ? response : null;
        }

        Assert.NotNull(refused);
        Assert.Equal("5", refused.Headers.GetValues("Retry-After").Single());
        Assert.All(statuses.SkipLast(1), s => Assert.Equal(HttpStatusCode.Accepted, s));
        var spool = (Analytics.Ingest.Spool.EventSpool)full.Services.GetService(typeof(Analytics.Ingest.Spool.EventSpool))!;
        var kept = spool.ReadySegments().Sum(s => Analytics.Ingest.Spool.SegmentFormat.Read(s).Records.Count)
            + Directory.GetFiles(spool.Directory, "*.open").Sum(s => Analytics.Ingest.Spool.SegmentFormat.Read(s).Records.Count);
        Assert.Equal(statuses.Count - 1, kept); // every 202 is on disk
    }
}

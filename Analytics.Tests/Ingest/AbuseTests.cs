using System.Net;
using System.Text;
using Analytics.Ingest;
using Analytics.Ingest.Collect;
using Analytics.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Analytics.Tests.Ingest;

/// <summary>Rate limits per client address and per property, referrer spam: refused or dropped, counted, never stored.</summary>
public sealed class AbuseTests(Engines engines)
{
    private const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";

    private static async Task<HttpResponseMessage> PostAsync(CollectApp app, string domain, string forwardedFor, string referrer = "", string marker = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/event")
        {
            Content = new StringContent($$$"""{"n":"pageview","u":"https://{{{domain}}}/","d":"{{{domain}}}","r":"{{{referrer}}}","p":{"marker":"{{{marker}}}"}}""", Encoding.UTF8, "text/plain"),
        };
        request.Headers.TryAddWithoutValidation("User-Agent", Chrome);
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        return await app.Client.SendAsync(request);
    }

    [Fact]
    public async Task OneAddressAboveItsLimit_Gets429WithRetryAfter_OthersAreNotHeldBack()
    {
        await using var app = await CollectApp.StartAsync(engines, settings: new() { ["Collect:RateLimitPerAddress"] = "2" }); // bursts of 20
        await app.AddPropertyAsync("limits.example");
        using var rateLimited = Instruments.Collect(app.Services, "analytics.events.rate_limited");

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 30; i++)
        {
            answers.Add(await PostAsync(app, "limits.example", "198.51.100.7"));
        }

        Assert.True(answers.Take(20).All(a => a.StatusCode == HttpStatusCode.Accepted));
        var refused = answers.Skip(20).Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.True(refused.Count >= 8, $"{refused.Count} of the last 10 refused");
        Assert.All(refused, a => Assert.True(a.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1)));
        Assert.Contains("rate limit of this address", await refused[0].Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(app, "limits.example", "198.51.100.8")).StatusCode);

        // An IPv6 client counts by its /64: another address in the same network shares the bucket, another network does not.
        var sameNetwork = new List<HttpStatusCode>();
        for (var i = 0; i < 25; i++)
        {
            sameNetwork.Add((await PostAsync(app, "limits.example", $"2001:db8:0:7:{i + 1:x}::1")).StatusCode);
        }

        Assert.All(sameNetwork.Take(20), s => Assert.Equal(HttpStatusCode.Accepted, s));
        var refusedInNetwork = sameNetwork.Skip(20).Count(s => s == HttpStatusCode.TooManyRequests);
        Assert.True(refusedInNetwork >= 3, $"{refusedInNetwork} of the last 5 refused");
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(app, "limits.example", "2001:db8:0:8::1")).StatusCode);
        Assert.Equal(refused.Count + refusedInNetwork, rateLimited.Sum());
    }

    [Fact]
    public async Task OnePropertyAboveItsLimit_Gets429_OtherPropertiesAreNotHeldBack()
    {
        await using var app = await CollectApp.StartAsync(engines, settings: new() { ["Collect:RateLimitPerAddress"] = "0", ["Collect:RateLimitPerProperty"] = "1" }); // bursts of 10
        await app.AddPropertyAsync("busy.example");
        await app.AddPropertyAsync("quiet.example");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 15; i++)
        {
            statuses.Add((await PostAsync(app, "busy.example", $"198.51.100.{i}")).StatusCode);
        }

        Assert.All(statuses.Take(10), s => Assert.Equal(HttpStatusCode.Accepted, s));
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses.Skip(10));
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(app, "quiet.example", "198.51.100.99")).StatusCode);
    }

    [Theory]
    [InlineData("https://semalt.com/crawler")] // on Matomo's list
    [InlineData("http://www.100dollars-seo.com/")] // a subdomain of a listed host
    [InlineData("https://spam.operator.example/offer")] // added by the operator (Collect:SpamReferrers)
    public async Task ReferrerSpam_IsDroppedWithItsReason_AndNeverStored(string referrer)
    {
        await using var app = await CollectApp.StartAsync(engines, settings: new() { ["Collect:SpamReferrers"] = "operator.example, other.example" });
        var property = await app.AddPropertyAsync("spammed.example");
        var marker = Guid.NewGuid().ToString("N");

        using var dropped = Instruments.Collect(app.Services, "analytics.events.dropped");
        var spam = await PostAsync(app, "spammed.example", "198.51.100.1", referrer, marker);
        var honest = await PostAsync(app, "spammed.example", "198.51.100.2", "https://news.ycombinator.com/", marker);

        Assert.Equal(HttpStatusCode.Accepted, spam.StatusCode);
        Assert.Equal("spam-referrer", spam.Headers.GetValues(CollectResponse.DroppedHeader).Single());
        Assert.False(honest.Headers.Contains(CollectResponse.DroppedHeader));
        Assert.Equal(1, dropped.Sum("spam-referrer"));
        // The honest event was accepted after the spam was answered: once it is stored, so would the spam have been.
        var stored = await Eventually.WaitAsync(
            () => app.ClickHouse.QueryAsync<Row>("SELECT referrer_source FROM events WHERE property_id = {p:UInt64}", new { p = property.Id }),
            rows => rows.Count > 0, "the honest event");
        Assert.Equal("Hacker News", Assert.Single(stored).ReferrerSource);
    }

    private sealed record Row(string ReferrerSource);
}

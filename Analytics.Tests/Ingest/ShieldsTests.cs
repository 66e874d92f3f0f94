using System.Net;
using System.Text;
using Analytics.Ingest.Collect;
using Analytics.Storage.Hosting;
using Analytics.Storage.Properties;
using Analytics.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Analytics.Tests.Ingest;

/// <summary>
/// Shields: the addresses, ranges, pages and countries an owner keeps out of a property. Collect drops what they
/// cover (202 with the reason), counts it with the rule that matched (never the visitor's address), keeps the rest,
/// and follows a change within seconds.
/// </summary>
public sealed class ShieldsTests(Engines engines)
{
    private const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";

    private sealed record Count(ulong N);

    /// <summary>Posts a page view from <paramref name="address"/> (through the trusted loopback proxy); the drop reason, or null when kept.</summary>
    private static async Task<string?> SendAsync(CollectApp app, string domains, string address, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/event")
        {
            Content = new StringContent($$$"""{"n":"pageview","u":"https://shields.example{{{path}}}","d":"{{{domains}}}"}""", Encoding.UTF8, "text/plain"),
        };
        request.Headers.TryAddWithoutValidation("User-Agent", Chrome);
        request.Headers.Add("X-Forwarded-For", address);
        using var response = await app.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return response.Headers.TryGetValues(CollectResponse.DroppedHeader, out var reason) ? reason.Single() : null;
    }

    [Fact]
    public async Task AddressesRangesPagesAndCountries_AreDroppedAndCountedWithTheirRule_PerProperty_AndAChangeIsFollowed()
    {
        await using var app = await CollectApp.StartAsync(engines);
        var store = app.Services.GetRequiredService<PropertyStore>();
        var shielded = await app.AddPropertyAsync("shields.example");
        var plain = await app.AddPropertyAsync("plain-shields.example");
        var saved = await store.UpdateShieldsAsync(shielded.Id, ["203.0.113.7", " 10.0.0.0/8", "2001:DB8:5::/48", "::ffff:198.51.100.9", "203.0.113.7", "192.0.2.77/24"], ["/admin/**", "/preview/*"], ["se"], CancellationToken.None);
        Assert.Equal(["203.0.113.7", "10.0.0.0/8", "2001:db8:5::/48", "198.51.100.9", "192.0.2.0/24"], saved!.Shields.Addresses);
        Assert.Equal(["/admin/**", "/preview/*"], saved.Shields.Pages);
        Assert.Equal(["SE"], saved.Shields.Countries);
        Assert.Equal(saved.Shields.Addresses, (await store.FindAsync(shielded.Id, CancellationToken.None))!.Shields.Addresses); // as stored

        // (address, path, reason): 2.125.160.216 is in GB, 89.160.20.112 in SE, 216.160.83.56 in the US (MaxMind's test database).
        (string Address, string Path, string? Reason)[] cases =
        [
            ("203.0.113.7", "/", "excluded-ip"),
            ("203.0.113.8", "/", null),
            ("10.200.3.4", "/", "excluded-ip"),
            ("11.0.0.1", "/", null),
            ("2001:db8:5:ffff::1", "/", "excluded-ip"),
            ("2001:db8:6::1", "/", null),
            ("198.51.100.9", "/", "excluded-ip"),
            ("2.125.160.216", "/admin/users/7", "excluded-page"),
            ("2.125.160.216", "/admin", null),
            ("2.125.160.216", "/preview/draft", "excluded-page"),
            ("2.125.160.216", "/preview/draft/2", null),
            ("89.160.20.112", "/", "excluded-country"),
            ("216.160.83.56", "/", null),
        ];
        foreach (var (address, path, reason) in cases)
        {
            Assert.True(reason == await SendAsync(app, "shields.example", address, path), $"{address} {path}: expected {reason ?? "kept"}");
        }

        // Shields are the property's own: the other one keeps everything; an event for both is kept for the other only.
        Assert.Null(await SendAsync(app, "plain-shields.example", "203.0.113.7", "/admin/x"));
        Assert.Null(await SendAsync(app, "shields.example,plain-shields.example", "10.1.1.1", "/"));

        var counters = app.Services.GetRequiredService<DropCounters>();
        await counters.FlushAsync(CancellationToken.None);
        var counted = (await app.Services.GetRequiredService<PropertyDrops>().SinceAsync(shielded.Id, DateTime.UtcNow.Date, CancellationToken.None)).ToDictionary(d => d.Reason);
        Assert.Equal([("excluded-country", 1L), ("excluded-ip", 5L), ("excluded-page", 2L)], counted.Values.Select(d => (d.Reason, d.Count)).Order().ToList());
        Assert.Equal("10.0.0.0/8", counted["excluded-ip"].LastDetail); // the rule, not the visitor's 10.1.1.1
        Assert.Equal("/preview/*", counted["excluded-page"].LastDetail);
        Assert.Equal("SE", counted["excluded-country"].LastDetail);
        Assert.Empty(await app.Services.GetRequiredService<PropertyDrops>().SinceAsync(plain.Id, DateTime.UtcNow.Date, CancellationToken.None));

        async Task<ulong> Stored(long property) => (await app.ClickHouse.QueryAsync<Count>("SELECT count() AS n FROM events WHERE property_id = {p:UInt64}", new { p = (ulong)property })).Single().N;
        await Eventually.WaitAsync(() => Stored(plain.Id), n => n >= 2, "the other property's events");
        await Eventually.WaitAsync(() => Stored(shielded.Id), n => n >= 6, "the kept events");
        Assert.Equal(6UL, await Stored(shielded.Id));
        Assert.Equal(2UL, await Stored(plain.Id));

        // A rule removed is followed within seconds (collect's property list is at most 5 s old).
        await store.UpdateShieldsAsync(shielded.Id, null, null, [], CancellationToken.None);
        await Eventually.WaitAsync(() => SendAsync(app, "shields.example", "89.160.20.112", "/"), reason => reason is null, "the country rule removed", TimeSpan.FromSeconds(15));
        Assert.Equal("excluded-ip", await SendAsync(app, "shields.example", "203.0.113.7", "/")); // the other lists stay
    }

    [Fact]
    public async Task BadRules_AreRefusedNamingTheFieldAndTheEntry_AndChangeNothing()
    {
        await using var app = await CollectApp.StartAsync(engines);
        var store = app.Services.GetRequiredService<PropertyStore>();
        var property = await app.AddPropertyAsync("bad-shields.example");
        await store.UpdateShieldsAsync(property.Id, ["192.0.2.1"], ["/a"], ["DE"], CancellationToken.None);

        (string[]? Ips, string[]? Pages, string[]? Countries, string Field, string Message)[] cases =
        [
            (["10"], null, null, "excluded_ips", "'10' is not an IP address or CIDR range (e.g. 203.0.113.7"),
            (["example.com"], null, null, "excluded_ips", "'example.com' is not an IP address"),
            (["10.0.0.0/33"], null, null, "excluded_ips", "'10.0.0.0/33' is not an IP address"),
            (null, ["admin/**"], null, "excluded_pages", "'admin/**' is not a page pattern: it starts with '/'"),
            (null, null, ["Germany"], "excluded_countries", "'Germany' is not a country code (two letters, ISO 3166-1"),
            ([.. Enumerable.Range(0, 251).Select(i => $"10.0.{i / 256}.{i % 256}")], null, null, "excluded_ips", "at most 250 entries (251 given)"),
        ];
        foreach (var (ips, pages, countries, field, message) in cases)
        {
            var refused = await Assert.ThrowsAsync<FieldValidationException>(() => store.UpdateShieldsAsync(property.Id, ips, pages, countries, CancellationToken.None));
            Assert.Equal(field, refused.Field);
            Assert.Contains(message, refused.Message, StringComparison.Ordinal);
        }

        var kept = (await store.FindAsync(property.Id, CancellationToken.None))!.Shields;
        Assert.Equal(["192.0.2.1", "/a", "DE"], [.. kept.Addresses, .. kept.Pages, .. kept.Countries]);
    }
}

using System.Text.Json;
using Analytics.Storage.Hosting;
using Analytics.Ingest.Enrichment;

namespace Analytics.Tests.Enrichment;

/// <summary>The crawler list's own examples (its "instances") as conformance data: every one is a robot.</summary>
public sealed class BotDetectorTests
{
    private static async Task<string> ListAsync()
        => await NpmPackages.EnsureFileAsync("crawlers", BotDetector.Package, BotDetector.Version, "crawler-user-agents.json", null, Console.Error.WriteLine, CancellationToken.None);

    [Fact]
    public async Task EveryExampleOfTheCrawlerList_IsABot()
    {
        var path = await ListAsync();
        var detector = BotDetector.Load(path);
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        var examples = document.RootElement.EnumerateArray()
            .SelectMany(entry => entry.TryGetProperty("instances", out var instances) ? instances.EnumerateArray().Select(i => i.GetString()!) : [])
            .ToList();

        var missed = examples.Where(ua => !detector.IsBot(ua, uapSaysSpider: false)).ToList();

        Assert.True(examples.Count > 2000, $"only {examples.Count} examples read");
        Assert.True(missed.Count == 0, $"{missed.Count} of {examples.Count} missed, e.g.:\n{string.Join('\n', missed.Take(10))}");
    }

    [Theory]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0")]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:131.0) Gecko/20100101 Firefox/131.0")]
    [InlineData("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36")]
    public async Task Browsers_AreNotBots(string ua)
        => Assert.False(BotDetector.Load(await ListAsync()).IsBot(ua, uapSaysSpider: false), ua);

    [Theory]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/130.0.0.0 Safari/537.36")]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Chrome-Lighthouse")]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) puppeteer/22.0")] // any case
    [InlineData("Mozilla/5.0 (linux) AppleWebKit/537.36 (KHTML, like Gecko) jsdom/24.0.0")]
    public async Task HeadlessAndAutomationBrowsers_AreBots(string ua)
        => Assert.True(BotDetector.Load(await ListAsync()).IsBot(ua, uapSaysSpider: false), ua);

    [Theory]
    [InlineData(@"Googlebot\/", "Googlebot/")]
    [InlineData(@"Mediapartners-Google", "Mediapartners-Google")]
    [InlineData(@"Yahoo! Slurp", "Yahoo! Slurp")] // '!' is no operator
    [InlineData(@"Netumo|netumo", null)]
    [InlineData(@"[wW]get", null)]
    [InlineData(@"^curl", null)]
    [InlineData(@"BlogTraffic\/\d\.\d+ Feed-Fetcher", null)]
    public void AsLiteral_ReadsEscapesAndRefusesOperators(string pattern, string? literal)
        => Assert.Equal(literal, BotDetector.AsLiteral(pattern));
}

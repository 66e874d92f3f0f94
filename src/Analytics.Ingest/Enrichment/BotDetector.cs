using System.Text.Json;
using System.Text.RegularExpressions;
using Analytics.Hosting;

namespace Analytics.Ingest.Enrichment;

/// <summary>
/// Is this user agent a robot? uap-core's spider family (see <see cref="UserAgentParser"/>), the patterns of the npm
/// package <c>crawler-user-agents</c>, and headless or automation browsers. Tested once per distinct user agent: the
/// parser's cache holds the answer.
/// </summary>
public sealed class BotDetector
{
    public const string Package = "crawler-user-agents";
    public const string Version = "1.60.0";

    private static readonly string[] Headless = ["HeadlessChrome", "PhantomJS", "Headless", "Puppeteer", "Playwright", "Selenium", "Lighthouse", "Chrome-Lighthouse", "Electron/", "jsdom"];

    private readonly Regex _crawlers;

    internal BotDetector(Regex crawlers) => _crawlers = crawlers;

    public static async Task<BotDetector> LoadAsync(Action<string> progress, CancellationToken cancellationToken)
        => Load(await NpmPackages.EnsureFileAsync("crawlers", Package, Version, "crawler-user-agents.json", null, progress, cancellationToken));

    public static BotDetector Load(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var document = JsonDocument.Parse(stream);
            var patterns = document.RootElement.EnumerateArray()
                .Select(entry => entry.GetProperty("pattern").GetString())
                .OfType<string>()
                .Where(IsValid)
                .ToList();
            if (patterns.Count == 0)
            {
                throw new EnrichmentDataException($"The crawler list '{path}' has no patterns.");
            }

            // One alternation, compiled once: faster than hundreds of separate regexes.
            return new BotDetector(new Regex(string.Join('|', patterns.Select(p => $"(?:{p})")), RegexOptions.Compiled | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200)));
        }
        catch (Exception e) when (e is JsonException or IOException or KeyNotFoundException or InvalidOperationException)
        {
            throw new EnrichmentDataException($"The crawler list '{path}' could not be read: {e.Message}");
        }
    }

    /// <summary>True for robots; <paramref name="uapSaysSpider"/> is uap-core's verdict for the same string.</summary>
    public bool IsBot(string? userAgent, bool uapSaysSpider)
    {
        if (uapSaysSpider || string.IsNullOrWhiteSpace(userAgent))
        {
            return true; // a browser always sends a user agent
        }

        if (Headless.Any(h => userAgent.Contains(h, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        try
        {
            return _crawlers.IsMatch(userAgent);
        }
        catch (RegexMatchTimeoutException)
        {
            return true; // a user agent that long and odd is not a person's browser
        }
    }

    private static bool IsValid(string pattern)
    {
        try
        {
            _ = new Regex(pattern);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

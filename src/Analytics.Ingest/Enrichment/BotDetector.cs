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

    // NonBacktracking: linear time whatever the input, so no timeout is needed (a timeout under CPU load once made real
    // browsers look like robots). One automaton for all 1,500 patterns is too large for the engine, so they go in chunks.
    private const int PatternsPerRegex = 60;

    private readonly Regex[] _crawlers;

    internal BotDetector(Regex[] crawlers) => _crawlers = crawlers;

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

            var detector = new BotDetector(patterns.Chunk(PatternsPerRegex)
                .Select(chunk => new Regex(string.Join('|', chunk.Select(p => $"(?:{p})")), RegexOptions.NonBacktracking | RegexOptions.CultureInvariant))
                .ToArray());
            detector.IsBot("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36", false); // builds the automata now, not in a request
            return detector;
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

        return _crawlers.Any(regex => regex.IsMatch(userAgent));
    }

    private static bool IsValid(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.NonBacktracking);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return false;
        }
    }
}

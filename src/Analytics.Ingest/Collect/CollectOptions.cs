namespace Analytics.Ingest.Collect;

/// <summary>Settings of section <c>Collect</c>.</summary>
public sealed class CollectOptions
{
    public const string Section = "Collect";

    /// <summary>Bodies above this answer 413.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    /// <summary>Proxies whose X-Forwarded-For is believed: addresses or CIDR ranges, comma-separated. Default: loopback only.</summary>
    public string TrustedProxies { get; set; } = "127.0.0.0/8,::1/128";
}

namespace Analytics.Ingest.Collect;

/// <summary>Settings of section <c>Collect</c>.</summary>
internal sealed class CollectOptions
{
    public const string Section = "Collect";

    /// <summary>Bodies above this answer 413.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    /// <summary>
    /// A secret that lets a scraper on another machine read <c>/metrics</c> as <c>Authorization: Bearer TOKEN</c> (env
    /// <c>ANALYTICS_METRICS_TOKEN</c>). Without it, only direct connections from this machine may.
    /// </summary>
    public string? MetricsToken { get; set; }

    /// <summary>Events per second one client address may send (bursts up to ten times that); above it, 429. 0: no limit.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 1_000_000, ErrorMessage = "Collect:RateLimitPerAddress must be between 0 and 1000000.")]
    public int RateLimitPerAddress { get; set; } = 50;

    /// <summary>Events per second a backend may send with one API key (server-side tracking; bursts up to ten times that); above it, 429. 0: no limit.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 10_000_000, ErrorMessage = "Collect:RateLimitPerKey must be between 0 and 10000000.")]
    public int RateLimitPerKey { get; set; } = 1_000;

    /// <summary>Events per second one property may receive (bursts up to ten times that); above it, 429. 0: no limit.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 10_000_000, ErrorMessage = "Collect:RateLimitPerProperty must be between 0 and 10000000.")]
    public int RateLimitPerProperty { get; set; } = 5_000;
}

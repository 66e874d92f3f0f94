namespace Analytics.Ingest.Collect;

/// <summary>An event as the tracker (or any Plausible Events API client) sends it, validated.</summary>
internal sealed record CollectRequest
{
    public required string Name { get; init; }

    public required Uri Url { get; init; }

    public required IReadOnlyList<string> Domains { get; init; }

    public Uri? Referrer { get; init; }

    public IReadOnlyDictionary<string, string> Props { get; init; } = new Dictionary<string, string>();

    public decimal RevenueAmount { get; init; }

    public string RevenueCurrency { get; init; } = string.Empty;

    public bool HashRouting { get; init; }

    public bool? Interactive { get; init; }

    public byte ScrollDepth { get; init; }

    public uint EngagedMs { get; init; }

    public int? ScreenWidth { get; init; }

    public string ContentType { get; init; } = string.Empty;

    public string Author { get; init; } = string.Empty;

    public IReadOnlyList<string> Categories { get; init; } = [];

    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>
    /// Not an event but a notice from our tracker that it did not record this page, and why (<c>localhost</c>,
    /// <c>automated-browser</c>): counted for the installation check, never stored.
    /// </summary>
    public string? Ignored { get; init; }
}

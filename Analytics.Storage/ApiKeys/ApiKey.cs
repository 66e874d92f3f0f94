namespace Analytics.Storage.ApiKeys;

/// <summary>
/// An API key as listed: never the key itself, only its prefix. It reaches every property its owner may read
/// (<see cref="AllProperties"/>; a key without an owner is the instance's and reaches every property), or only those
/// it was created for, and does what its <see cref="Scopes"/> allow (comma-separated, in <see cref="AllScopes"/> order).
/// </summary>
public sealed record ApiKey(long Id, long? UserId, string Name, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt, bool AllProperties, string Scopes)
{
    /// <summary>Reads statistics through the reporting APIs (ours and Plausible's Stats API).</summary>
    public const string StatsRead = "stats:read";

    /// <summary>Sends events for a backend's visitors (Plausible's server-side tracking).</summary>
    public const string Events = "events";

    /// <summary>Manages sites, goals and funnels through Plausible's Sites API.</summary>
    public const string Sites = "sites";

    /// <summary>Every scope, in the order they are shown.</summary>
    public static readonly IReadOnlyList<string> AllScopes = [StatsRead, Events, Sites];

    /// <summary>What a scope lets a key do, in words.</summary>
    public static string Describe(string scope) => scope switch
    {
        StatsRead => "read statistics",
        Events => "send events",
        _ => "manage sites, goals and funnels (Plausible's Sites API)",
    };

    public bool Allows(string scope) => Scopes.Split(',').Contains(scope);
}

namespace Analytics.Ingest.Enrichment;

/// <summary>What a user-agent string says, in uap-core's terms (null where unknown).</summary>
public sealed record UserAgent(UserAgent.Agent Ua, UserAgent.System Os, UserAgent.Device Hardware, string DeviceType, bool IsBot)
{
    public sealed record Agent(string Family, string? Major, string? Minor, string? Patch);

    public sealed record System(string Family, string? Major, string? Minor, string? Patch, string? PatchMinor);

    public sealed record Device(string Family, string? Brand, string? Model);

    /// <summary>"130.0" style version for reports: major and minor when known.</summary>
    public static string Version(string? major, string? minor) => major is null ? string.Empty : minor is null ? major : $"{major}.{minor}";
}

namespace Analytics.Ingest.Collect;

/// <summary>What a collect answer tells its client beyond the status code.</summary>
public static class CollectResponse
{
    /// <summary>
    /// On a 202 for an event that was dropped on purpose (a bot, a spam referrer, an excluded address, engagement outside
    /// any session), the reason. Readable cross-origin, so a site owner can see in the browser why an event was not kept.
    /// </summary>
    public const string DroppedHeader = "X-Analytics-Dropped";
}

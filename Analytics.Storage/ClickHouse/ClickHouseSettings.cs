namespace Analytics.Storage.ClickHouse;

/// <summary>Per-query ClickHouse settings (e.g. <c>insert_deduplication_token</c>), sent the way each engine expects.</summary>
public sealed class ClickHouseSettings : Dictionary<string, string>
{
    public ClickHouseSettings()
        : base(StringComparer.Ordinal)
    {
    }

    /// <summary>Settings that make a batch insert idempotent: the same token inserts nothing the second time,
    /// in the raw table and in every materialized view it feeds.</summary>
    public static ClickHouseSettings Deduplicated(string token) => new()
    {
        ["insert_deduplication_token"] = token,
        ["deduplicate_blocks_in_dependent_materialized_views"] = "1",
    };
}

using Analytics.ClickHouse;

namespace Analytics.Events;

/// <summary>A property's rows in ClickHouse as a whole: deleting them with the property.</summary>
public sealed class EventData(IClickHouse clickHouse)
{
    /// <summary>The tables holding a property's rows: the raw events and everything the materialized views derive from them.</summary>
    public static readonly IReadOnlyList<string> Tables = ["events", "sessions", "rollup_property", "rollup_hourly", "rollup_page", "rollup_daily", "rollup_monthly"];

    /// <summary>Deletes every row of the property from the raw table and the rollups, waiting until the deletes are done.</summary>
    public async Task DeletePropertyAsync(long propertyId, CancellationToken cancellationToken)
    {
        var settings = new ClickHouseSettings { ["mutations_sync"] = "2" };
        foreach (var table in Tables)
        {
            await clickHouse.ExecuteAsync($"ALTER TABLE {table} DELETE WHERE property_id = {{property:UInt64}}", new { property = (ulong)propertyId }, settings, cancellationToken);
        }
    }
}

using Analytics.Storage.ClickHouse.Catalog;

namespace Analytics.Storage.ClickHouse;

/// <summary>Deletes a property's rows from ClickHouse: all of them (with the property) or those before a retention cutoff.</summary>
public sealed class EventDeletion(IClickHouse clickHouse)
{
    /// <summary>Each table with the condition that selects its rows from before a retention cutoff (the catalog's).</summary>
    private static readonly (string Table, string Before)[] TimeColumns =
        [(EventsTable.Name, "timestamp < {cutoff:DateTime64(3)}"), .. DerivedTables.All.Select(t => (t.Name, t.Before))];

    /// <summary>
    /// Deletes the property's rows from before <paramref name="cutoff"/> (UTC) in the raw table and every rollup; the
    /// monthly rollup keeps the month the cutoff falls in. Tables with nothing to delete are not touched (a delete is a
    /// mutation that rewrites parts). Returns the tables it deleted from.
    /// </summary>
    public async Task<IReadOnlyList<string>> DeleteBeforeAsync(long propertyId, DateTime cutoff, CancellationToken cancellationToken)
    {
        var parameters = new { property = (ulong)propertyId, cutoff };
        var deleted = new List<string>();
        foreach (var (table, before) in TimeColumns)
        {
            var old = await clickHouse.QueryAsync<Found>($"SELECT count() > 0 AS any FROM (SELECT 1 FROM {table} WHERE property_id = {{property:UInt64}} AND {before} LIMIT 1)", parameters, cancellationToken: cancellationToken);
            if (old.Single().Any != 0)
            {
                await clickHouse.ExecuteAsync($"ALTER TABLE {table} DELETE WHERE property_id = {{property:UInt64}} AND {before}", parameters, new ClickHouseSettings { ["mutations_sync"] = "2" }, cancellationToken);
                deleted.Add(table);
            }
        }

        return deleted;
    }

    private sealed record Found(byte Any);

    /// <summary>Deletes every row of the property from the raw table, the rollups and its imported history, waiting until the deletes are done.</summary>
    public async Task DeletePropertyAsync(long propertyId, CancellationToken cancellationToken)
    {
        var settings = new ClickHouseSettings { ["mutations_sync"] = "2" };
        foreach (var table in DerivedTables.WithProperty)
        {
            await clickHouse.ExecuteAsync($"ALTER TABLE {table} DELETE WHERE property_id = {{property:UInt64}}", new { property = (ulong)propertyId }, settings, cancellationToken);
        }
    }
}

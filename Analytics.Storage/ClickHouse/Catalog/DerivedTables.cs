namespace Analytics.Storage.ClickHouse.Catalog;

/// <summary>
/// The tables the materialized views keep from <see cref="EventsTable"/>: what deletion, retention, the chaos checks
/// and the storage benchmark go through; and the tables of imported history. A test holds <see cref="WithProperty"/>
/// equal to the migrated schema's tables with a <c>property_id</c>.
/// </summary>
public static class DerivedTables
{
    public static readonly IReadOnlyList<DerivedTable> All =
    [
        new("sessions", "session_start < {cutoff:DateTime64(3)}"),
        new("rollup_property", "bucket < {cutoff:DateTime64(3)}"),
        new("rollup_hourly", "hour < {cutoff:DateTime64(3)}"),
        new("rollup_daily", "day < toDate({cutoff:DateTime64(3)})", Totals: "dimension = ''"),
        new("rollup_monthly", "month < toStartOfMonth({cutoff:DateTime64(3)})", Totals: "dimension = ''"), // whole months only
    ];

    /// <summary>Every table holding a property's rows: the raw events and what the views derive from them.</summary>
    public static readonly IReadOnlyList<string> WithEvents = [EventsTable.Name, .. All.Select(t => t.Name)];

    /// <summary>Imported history (another tool's aggregates, per import), kept apart from the events.</summary>
    public static readonly IReadOnlyList<string> Imported = ["imported_visitors", "imported_breakdowns"];

    /// <summary>Every table with a property's rows, imported history included: what deleting a property goes through.</summary>
    public static readonly IReadOnlyList<string> WithProperty = [.. WithEvents, .. Imported];
}

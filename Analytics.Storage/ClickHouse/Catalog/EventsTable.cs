namespace Analytics.Storage.ClickHouse.Catalog;

/// <summary>
/// The raw <c>events</c> table's columns, in the table's order: the one place that lists them. The RowBinary encoder
/// writes the stored ones in this order, export and import read them from here, and a test holds this list equal to
/// <c>system.columns</c> of the migrated schema (schema/clickhouse/current.sql shows the whole definition).
/// </summary>
public static class EventsTable
{
    public const string Name = "events";

    private const string Text = "String";
    private const string Small = "LowCardinality(String)";
    private const string Instant = "DateTime64(3, 'UTC')";

    public static readonly IReadOnlyList<EventColumn> Columns =
    [
        new("property_id", "UInt64", Exported: false),
        new("timestamp", Instant),
        new("day", "Date", Exported: false),
        new("name", Small, FromVisitors: true),
        new("visitor_id", "UInt64"),
        new("session_id", "UInt64", Alias: SessionIds.Sql),
        new("session_start", Instant, Exported: false),
        new("session_day", "Date", Exported: false),
        new("session_first", "UInt8", Exported: false),
        new("bounce_delta", "Int8", Exported: false),
        new("duration_delta_ms", "UInt32", Exported: false),
        new("engaged_first", "UInt8", Exported: false),
        new("scroll_gain", "UInt8", Exported: false),
        new("entry_page", Text, Exported: false),
        new("hostname", Small, FromVisitors: true),
        new("pathname", Text, FromVisitors: true),
        new("referrer", Text, FromVisitors: true),
        new("referrer_source", Small, FromVisitors: true),
        new("utm_source", Text, FromVisitors: true),
        new("utm_medium", Text, FromVisitors: true),
        new("utm_campaign", Text, FromVisitors: true),
        new("utm_content", Text, FromVisitors: true),
        new("utm_term", Text, FromVisitors: true),
        new("click_id_param", Small, FromVisitors: true),
        new("channel", Small),
        new("country_code", Small, FromVisitors: true),
        new("region", Small, FromVisitors: true),
        new("city", Text, FromVisitors: true),
        new("browser", Small, FromVisitors: true),
        new("browser_version", Small, FromVisitors: true),
        new("os", Small, FromVisitors: true),
        new("os_version", Small, FromVisitors: true),
        new("device_type", Small, FromVisitors: true),
        new("screen_size", Small, FromVisitors: true),
        new("locale", Small, FromVisitors: true),
        new("props", "Map(String, String)"),
        new("revenue_amount", "Decimal(18, 6)"),
        new("revenue_currency", Small, FromVisitors: true),
        new("scroll_depth", "UInt8"),
        new("engagement_ms", "UInt32"),
        new("page_title", Text, FromVisitors: true),
        new("content_type", Small, FromVisitors: true),
        new("author", Small, FromVisitors: true),
        new("categories", "Array(LowCardinality(String))"),
        new("tags", "Array(String)"),
    ];

    /// <summary>The columns an insert writes: all but those the table derives (<see cref="EventColumn.Alias"/>).</summary>
    public static readonly IReadOnlyList<EventColumn> Stored = Columns.Where(c => c.Stored).ToArray();

    /// <summary>The names of the columns the table derives, which <c>SELECT *</c> leaves out and an insert cannot write.</summary>
    public static readonly IReadOnlySet<string> Derived = Columns.Where(c => !c.Stored).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The names of the columns an earlier version stored and the table no longer has: <c>prev_pathname</c> fed only
    /// the page rollup's exits (the rollup went in migration 0030, the column in 0031).
    /// </summary>
    public static readonly IReadOnlySet<string> Dropped = new HashSet<string>(["prev_pathname"], StringComparer.Ordinal);

    /// <summary>
    /// The names a spool segment's header may list that an insert must leave out: those the table derives now and those it
    /// no longer has (segments written by an earlier version hold their values).
    /// </summary>
    public static readonly IReadOnlySet<string> NotInserted = Derived.Union(Dropped).ToHashSet(StringComparer.Ordinal);

    /// <summary>The columns <c>analytics export</c> writes and <c>analytics import</c> reads.</summary>
    public static readonly IReadOnlyList<EventColumn> Exported = Columns.Where(c => c.Exported).ToArray();
}

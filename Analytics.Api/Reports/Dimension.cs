using Analytics.Storage.Hosting;

namespace Analytics.Api.Reports;

/// <summary>Where a dimension's value lives, which decides the tables that can answer a query on it.</summary>
public enum DimensionScope
{
    /// <summary>A local hour, day, week or month.</summary>
    Time,

    /// <summary>A property of each event (page, name, hostname, custom props, page metadata).</summary>
    Event,

    /// <summary>
    /// Fixed for a visit (entry page, source, referrer, UTM tags, location, client, screen, language): collect stamps the session's
    /// first event's values on each of its events, so these are event columns and session attributes alike.
    /// </summary>
    Visit,

    /// <summary>Known only from the session as a whole (the exit page, the entry page's hostname).</summary>
    Session,
}

/// <summary>
/// A dimension to break down or filter by, named as in Plausible's Stats API ("visit:country", "event:page",
/// "event:props:plan", "time:day"). <see cref="EventColumn"/> is its expression on a raw event row,
/// <see cref="SessionColumn"/> its column in a session row (see <c>ReportSql</c>), <see cref="Stored"/> the
/// dictionary column both are read from, if it is one.
/// </summary>
public sealed record Dimension(string Name, DimensionScope Scope, string? EventColumn, string? SessionColumn, bool IsArray = false, string? PropKey = null, TimeInterval Interval = TimeInterval.Day, string? Stored = null)
{
    private static readonly Dimension[] Catalog =
    [
        new("time:hour", DimensionScope.Time, null, null, Interval: TimeInterval.Hour),
        new("time:day", DimensionScope.Time, null, null, Interval: TimeInterval.Day),
        new("time:week", DimensionScope.Time, null, null, Interval: TimeInterval.Week),
        new("time:month", DimensionScope.Time, null, null, Interval: TimeInterval.Month),
        DictionaryColumn("event:name", DimensionScope.Event, "name", null),

        // The property's goals an event completes (none, one or several): its expression is written from the goals of the query.
        new("event:goal", DimensionScope.Event, null, null, IsArray: true),
        new("event:page", DimensionScope.Event, "pathname", null),
        DictionaryColumn("event:hostname", DimensionScope.Event, "hostname", null),
        DictionaryColumn("event:page_type", DimensionScope.Event, "content_type", null),
        DictionaryColumn("event:author", DimensionScope.Event, "author", null),
        new("event:category", DimensionScope.Event, "arrayMap(c -> toString(c), categories)", null, IsArray: true),
        new("event:tag", DimensionScope.Event, "tags", null, IsArray: true),
        new("visit:entry_page", DimensionScope.Visit, "entry_page", "s_entry_page"),
        new("visit:exit_page", DimensionScope.Session, null, "s_exit_page"),
        new("visit:entry_page_hostname", DimensionScope.Session, null, "s_hostname"),
        new("visit:exit_page_hostname", DimensionScope.Session, null, "s_exit_hostname"),
        DictionaryColumn("visit:source", DimensionScope.Visit, "referrer_source", "s_referrer_source"),
        new("visit:referrer", DimensionScope.Visit, "referrer", "s_referrer"),
        DictionaryColumn("visit:channel", DimensionScope.Visit, "channel", "s_channel"),
        new("visit:utm_source", DimensionScope.Visit, "utm_source", "s_utm_source"),
        new("visit:utm_medium", DimensionScope.Visit, "utm_medium", "s_utm_medium"),
        new("visit:utm_campaign", DimensionScope.Visit, "utm_campaign", "s_utm_campaign"),
        new("visit:utm_content", DimensionScope.Visit, "utm_content", "s_utm_content"),
        new("visit:utm_term", DimensionScope.Visit, "utm_term", "s_utm_term"),
        DictionaryColumn("visit:country", DimensionScope.Visit, "country_code", "s_country_code"),
        DictionaryColumn("visit:region", DimensionScope.Visit, "region", "s_region"),
        new("visit:city", DimensionScope.Visit, "city", "s_city"),

        // Names: a country's from the ISO list (the engine groups by its code and names it), a region's and a city's
        // as the GeoIP database names them (which visit:region and visit:city already hold).
        DictionaryColumn("visit:country_name", DimensionScope.Visit, "country_code", "s_country_code"),
        DictionaryColumn("visit:region_name", DimensionScope.Visit, "region", "s_region"),
        new("visit:city_name", DimensionScope.Visit, "city", "s_city"),
        DictionaryColumn("visit:browser", DimensionScope.Visit, "browser", "s_browser"),
        DictionaryColumn("visit:browser_version", DimensionScope.Visit, "browser_version", "s_browser_version"),
        DictionaryColumn("visit:os", DimensionScope.Visit, "os", "s_os"),
        DictionaryColumn("visit:os_version", DimensionScope.Visit, "os_version", "s_os_version"),
        DictionaryColumn("visit:device", DimensionScope.Visit, "device_type", "s_device_type"),
        DictionaryColumn("visit:screen", DimensionScope.Visit, "screen_size", "s_screen_size"),
        DictionaryColumn("visit:locale", DimensionScope.Visit, "locale", "s_locale"),
    ];

    /// <summary>
    /// A dimension read from a dictionary (<c>LowCardinality</c>) column, of the same name in the events and (a visit's)
    /// in the sessions table: a breakdown groups by its value as a plain string, a filter tests the column as stored,
    /// which ClickHouse does once per distinct value of a block rather than once per row (<c>country_code IN</c> over 3
    /// months of 100M events: 115-121 ms against 131-140 through <c>toString</c>).
    /// </summary>
    private static Dimension DictionaryColumn(string name, DimensionScope scope, string column, string? sessionColumn)
        => new(name, scope, $"toString({column})", sessionColumn, Stored: column);

    private static readonly Dictionary<string, Dimension> ByName = Catalog.ToDictionary(d => d.Name, StringComparer.Ordinal);

    private const string PropsPrefix = "event:props:";

    /// <summary>Every dimension's name; custom props are "event:props:&lt;key&gt;".</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Catalog.Select(d => d.Name), PropsPrefix + "<key>"];

    public bool IsTime => Scope == DimensionScope.Time;

    /// <summary>
    /// How a blank value is named, as Plausible names it: "Direct / None" for a visit without a source or referrer,
    /// "(not set)" for UTM tags, client and screen, "(none)" for an event without the custom property; null where a
    /// blank stays blank. Breakdowns return the label, and an "is" filter on it (or on "(not set)") matches the blanks.
    /// </summary>
    public string? BlankLabel => Name switch
    {
        "visit:source" or "visit:referrer" => NoReferrer,
        "visit:utm_source" or "visit:utm_medium" or "visit:utm_campaign" or "visit:utm_content" or "visit:utm_term"
            or "visit:browser" or "visit:browser_version" or "visit:os" or "visit:os_version" or "visit:device" or "visit:screen" => NotSet,
        _ => PropKey is null ? null : NoProperty,
    };

    public const string NoReferrer = "Direct / None";

    public const string NotSet = "(not set)";

    public const string NoProperty = "(none)";

    /// <summary>The dimension whose values this one shows, as the rollups keep it: a name's is its code's (or the same) dimension.</summary>
    public string StoredName => Name switch
    {
        "visit:country_name" => "visit:country",
        "visit:region_name" => "visit:region",
        "visit:city_name" => "visit:city",
        _ => Name,
    };

    /// <summary>A stored value as a breakdown shows it: for visit:country_name, the country's English name; otherwise the value.</summary>
    public string Shown(string value) => Name == "visit:country_name" && value.Length > 0 ? Countries.Name(value) : value;

    /// <summary>Kept by the daily rollup (<c>rollup_daily</c>, one row per day and value; schema/clickhouse/0006, 0009, 0010).</summary>
    public bool InDailyRollup => Scope == DimensionScope.Visit || Name is "event:name" or "event:page" or "event:page_type" or "event:author";

    /// <summary>Parses a dimension name. "time" alone is the natural interval of the range (<paramref name="naturalInterval"/>).</summary>
    public static Dimension Parse(string name, string field, TimeInterval naturalInterval = TimeInterval.Day)
    {
        name = (name ?? string.Empty).Trim();
        if (name == "time")
        {
            return Time(naturalInterval);
        }

        if (name.StartsWith(PropsPrefix, StringComparison.Ordinal))
        {
            var key = name[PropsPrefix.Length..];
            return key.Length is > 0 and <= 300
                ? new Dimension(name, DimensionScope.Event, null, null, PropKey: key)
                : throw new FieldValidationException(field, $"'{name}' needs a property key of 1 to 300 characters after '{PropsPrefix}'.");
        }

        return ByName.TryGetValue(name, out var dimension)
            ? dimension
            : throw new FieldValidationException(field, $"'{name}' is not a dimension; use one of: time, {string.Join(", ", Names)}.");
    }

    public static Dimension Time(TimeInterval interval) => ByName["time:" + interval.ToString().ToLowerInvariant()];
}

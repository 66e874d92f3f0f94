using Analytics.Api.Reports;

namespace Analytics.Dashboard;

/// <summary>One tab of a panel: a breakdown by <see cref="Dimension"/> with its columns, of the rows that pass <see cref="Only"/> (if set) as well as the view's filters.</summary>
public sealed record PanelTab(string Key, string Label, string Dimension, IReadOnlyList<Metric> Metrics, Filter? Only = null)
{
    /// <summary>The breakdown of <paramref name="view"/> (its range and filters) that this tab shows.</summary>
    public ReportQuery Query(ReportQuery view, int limit) => view with
    {
        Metrics = Metrics,
        Dimensions = [Api.Reports.Dimension.Parse(Dimension, "dimension")],
        Filter = Filters.Both(view.Filter, Only),
        Limit = limit,
    };
}

/// <summary>A panel of the dashboard; the tab shown is chosen in the URL (<c>?{Key}={tab}</c>).</summary>
public sealed record Panel(string Key, string Title, IReadOnlyList<PanelTab> Tabs)
{
    public PanelTab Tab(string? key) => Tabs.FirstOrDefault(t => t.Key == key) ?? Tabs[0];
}

/// <summary>The dashboard's breakdown panels. The page and the CSV export both read them from here.</summary>
internal static class Panels
{
    private static readonly Metric[] Visitors = [Metric.Visitors];

    public static readonly Panel Sources = new("sources", "Sources",
    [
        new("source", "Sources", "visit:source", [Metric.Visitors, Metric.Visits, Metric.BounceRate]),
        new("channel", "Channels", "visit:channel", [Metric.Visitors, Metric.Visits, Metric.BounceRate]),
        new("referrer", "Referrers", "visit:referrer", [Metric.Visitors, Metric.Visits, Metric.BounceRate]),
        new("utm_medium", "Medium", "visit:utm_medium", [Metric.Visitors, Metric.Visits, Metric.BounceRate]),
        new("utm_source", "UTM source", "visit:utm_source", [Metric.Visitors, Metric.Visits, Metric.BounceRate]),
        new("utm_campaign", "Campaign", "visit:utm_campaign", [Metric.Visitors, Metric.Visits, Metric.BounceRate]),
        new("utm_content", "Content", "visit:utm_content", [Metric.Visitors, Metric.Visits]),
        new("utm_term", "Term", "visit:utm_term", [Metric.Visitors, Metric.Visits]),
    ]);

    public static readonly Panel Pages = new("pages", "Pages",
    [
        new("page", "Top pages", "event:page", [Metric.Visitors, Metric.Pageviews, Metric.TimeOnPage, Metric.ScrollDepth]),
        new("entry", "Entry pages", "visit:entry_page", [Metric.Visitors, Metric.Visits, Metric.BounceRate]),
        new("exit", "Exit pages", "visit:exit_page", [Metric.Visits, Metric.VisitDuration]),
    ]);

    public static readonly Panel Locations = new("locations", "Locations",
    [
        new("country", "Countries", "visit:country", Visitors),
        new("region", "Regions", "visit:region", Visitors),
        new("city", "Cities", "visit:city", Visitors),
    ]);

    public static readonly Panel Devices = new("devices", "Devices",
    [
        new("browser", "Browsers", "visit:browser", Visitors),
        new("os", "Operating systems", "visit:os", Visitors),
        new("device", "Devices", "visit:device", Visitors),
        new("screen", "Screen sizes", "visit:screen", Visitors),
        new("locale", "Languages", "visit:locale", Visitors),
    ]);

    public static readonly Panel Content = new("content", "Content",
    [
        new("page_type", "Page types", "event:page_type", [Metric.Visitors, Metric.Pageviews]),
        new("author", "Authors", "event:author", [Metric.Visitors, Metric.Pageviews]),
        new("category", "Categories", "event:category", [Metric.Visitors, Metric.Pageviews]),
        new("tag", "Tags", "event:tag", [Metric.Visitors, Metric.Pageviews]),
    ]);

    /// <summary>The property's goals: unique and total conversions, the conversion rate, and revenue (shown when a goal has some).</summary>
    public static readonly Panel Goals = new("goals", "Goals",
    [
        new("goal", "Goals", "event:goal", [Metric.Visitors, Metric.Events, Metric.ConversionRate, Metric.TotalRevenue]),
    ]);

    /// <summary>Custom events: every event name but pageviews and engagement pings, with revenue (the page shows its column when any event carries some).</summary>
    public static readonly Panel Events = new("events", "Custom events",
    [
        new("name", "Events", "event:name", [Metric.Visitors, Metric.Events, Metric.TotalRevenue],
            new Condition(FilterOperator.IsNot, Dimension.Parse("event:name", "dimension"), ["pageview", "engagement"])),
    ]);

    public static readonly IReadOnlyList<Panel> Breakdowns = [Sources, Pages, Locations, Devices, Content];

    /// <summary>A custom property's breakdown, shown once the dashboard is filtered to one event.</summary>
    public static PanelTab Prop(string key) => new(key, key, "event:props:" + key, [Metric.Visitors, Metric.Events]);

    /// <summary>A panel by its key (custom properties: "props"), for the details view.</summary>
    public static Panel? ByKey(string key) => Breakdowns.Append(Goals).Append(Events).FirstOrDefault(p => p.Key == key);

    /// <summary>The tab with this dimension, for the CSV export (custom props included).</summary>
    public static PanelTab? ByDimension(string dimension)
        => Breakdowns.Append(Goals).Append(Events).SelectMany(p => p.Tabs).FirstOrDefault(t => t.Dimension == dimension)
           ?? (dimension.StartsWith("event:props:", StringComparison.Ordinal) && dimension.Length > "event:props:".Length ? Prop(dimension["event:props:".Length..]) : null);
}

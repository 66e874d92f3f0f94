using System.Text.Json.Serialization;
using Analytics.Api.Reports;

namespace Analytics.Dashboard;

/// <summary>
/// Every number of one dashboard view, as the page draws it. Plain data, so that the prerendered page hands it to its
/// interactive circuit (persisted component state) instead of the circuit asking ClickHouse again.
/// </summary>
/// <param name="Url">The view (path and query) these numbers are of.</param>
/// <param name="Visits">The latest visits that started in the range and pass the filters (the visits panel); null until listed, once the rest of the view is shown.</param>
/// <param name="Error">Why the view could not be shown (the field and what is wrong with it); the rest is then empty.</param>
public sealed record DashboardData(
    string Url,
    string? Error,
    string RangeText,
    string? ComparisonText,
    string? FirstDay,
    string? LastDay,
    TimeInterval Interval,
    IReadOnlyList<TimeInterval> Intervals,
    IReadOnlyList<TopStat> Stats,
    GraphSeries Graph,
    IReadOnlyList<PanelData> Panels,
    RealtimeData Realtime,
    IReadOnlyList<SessionSummary>? Visits)
{
    /// <summary>Whether the view is filtered to goals: the top stats are then conversions.</summary>
    public bool Conversions { get; init; }

    /// <summary>How many goals the property has (the goals panel explains where to add them when none).</summary>
    public int GoalCount { get; init; }

    /// <summary>The funnel shown (the view's, or the first), when the property has funnels; its steps are counted apart (<see cref="DashboardLoader.FunnelAsync"/>).</summary>
    public FunnelData? Funnel { get; init; }

    /// <summary>The property's imports of other tools' history (the switch that adds them shows only then).</summary>
    public IReadOnlyList<ImportSpan> Imports { get; init; } = [];

    /// <summary>With imports asked for: whether the top stats and the graph include them, or why not (a Stats API skip reason).</summary>
    public string? ImportsSkipReason { get; init; }

    /// <summary>
    /// One visitor in this many was read for the view's figures when its range holds more events than the server reads
    /// whole (<c>Reports:SampleAbove</c>; the figures are then estimates, and the dashboard says so); 1 when every one was.
    /// </summary>
    public int SampledOneIn { get; init; } = 1;

    /// <summary>An import's days, as the dashboard names them ("Plausible, 1 Sep – 24 Oct 2026").</summary>
    public sealed record ImportSpan(string Source, string Days);

    public static DashboardData Failed(string url, string error) => new(url, error, string.Empty, null, null, null, TimeInterval.Day, [], [], GraphSeries.Empty, [], RealtimeData.Empty, []);

    public PanelData? Panel(string key) => Panels.FirstOrDefault(p => p.Key == key);
}

/// <summary>A top stat: its value (null when it has no meaning under the filters), the comparison's, and the change.</summary>
public sealed record TopStat(Metric Metric, double? Value, double? Previous, double? Change);

/// <summary>The graph: one value per bucket (null for buckets still to come) and, when comparing, the earlier period's by position.</summary>
public sealed record GraphSeries(Metric Metric, IReadOnlyList<string> Labels, IReadOnlyList<double?> Values, IReadOnlyList<string>? ComparisonLabels, IReadOnlyList<double?>? Comparison)
{
    /// <summary>Per bucket, whether imported history covers some of it (the graph marks those, whether or not the view includes imports).</summary>
    public IReadOnlyList<bool> Imported { get; init; } = [];

    public static readonly GraphSeries Empty = new(Metric.Visitors, [], [], null, null);
}

/// <summary>A panel as shown: the tab, its first rows, and whether there are more (the details view has them all).</summary>
/// <param name="Tabs">The keys of the panel's tabs (custom property panels have one per key found).</param>
public sealed record PanelData(string Key, string Tab, IReadOnlyList<string> Tabs, IReadOnlyList<PanelRow> Rows, bool More)
{
    /// <summary>The view includes imported data, but this tab's breakdown cannot (imports have no such dimension or metric).</summary>
    public bool ImportsLeftOut { get; init; }
}

/// <param name="Metrics">NaN where a metric has no data (revenue of a goal without a currency, time on a page without engagement): written as "NaN" when the prerender hands the view to the circuit.</param>
public sealed record PanelRow(string Value, [property: JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)] IReadOnlyList<double> Metrics);

/// <summary>Current visitors (last 5 minutes) and visitors and pageviews per minute of the last 30, under the view's filters.</summary>
public sealed record RealtimeData(ulong Visitors, IReadOnlyList<ulong> MinuteVisitors, IReadOnlyList<ulong> MinutePageviews, IReadOnlyList<string> MinuteLabels)
{
    public static readonly RealtimeData Empty = new(0, [], [], []);
}

/// <summary>One page of a panel's full list.</summary>
public sealed record DetailsPage(IReadOnlyList<PanelRow> Rows, long Total);

/// <summary>
/// A funnel as the dashboard shows it: which one, the property's funnels to pick from, and its steps in the view's range
/// and filters, or null while they are counted (after the rest of the view is on screen: <see cref="DashboardLoader.FunnelAsync"/>).
/// </summary>
public sealed record FunnelData(long Id, IReadOnlyList<FunnelChoice> Funnels, FunnelResult? Result)
{
    public string Name => Funnels.First(f => f.Id == Id).Name;
}

public sealed record FunnelChoice(long Id, string Name);

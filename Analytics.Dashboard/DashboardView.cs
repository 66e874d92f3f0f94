using System.Text.Json;
using System.Text.Json.Nodes;
using Analytics.Api.Reports;
using Microsoft.AspNetCore.WebUtilities;

namespace Analytics.Dashboard;

/// <summary>One filter as shown in a chip: its place in the URL's filter list and how it reads.</summary>
public sealed record FilterChip(int Index, string Dimension, string Operator, IReadOnlyList<string> Values);

/// <summary>
/// What a dashboard URL says: the property, range, comparison, filters (the API's JSON filter list, verbatim), the
/// graph's metric and interval, each panel's tab and an open details view. Every control of the page is this view with
/// one thing changed, so a view can be bookmarked, shared, reloaded and walked with back and forward.
/// </summary>
public sealed class DashboardView
{
    /// <summary>The parameters in the order a URL writes them; panel tabs and the rest follow by name.</summary>
    private static readonly string[] Known = ["period", "from", "to", "compare", "compare_from", "compare_to", "filters", "graph", "interval", "funnel", "details", "visit", "imports"];

    private static readonly string[] RangeAndFilters = ["period", "from", "to", "filters"];

    /// <summary>The graph's metrics, by their API names.</summary>
    public static readonly IReadOnlyList<Metric> GraphMetrics = [Metric.Visitors, Metric.Visits, Metric.Pageviews, Metric.ViewsPerVisit, Metric.BounceRate, Metric.VisitDuration, Metric.Events, Metric.ConversionRate];

    private readonly Dictionary<string, string> _parameters;

    /// <summary>The URL's filter list, parsed once (every row of every panel links to it with one filter more).</summary>
    private readonly JsonArray _filters;

    private DashboardView(string domain, bool shared, Dictionary<string, string> parameters)
    {
        Domain = domain;
        Shared = shared;
        _parameters = parameters;
        _filters = ParseFilters(Get("filters"));
        Chips = [.. _filters.Select((filter, i) => filter is JsonArray { Count: >= 3 } f && f[0] is JsonValue op && f[1] is JsonValue dimension && f[2] is JsonArray values
            ? new FilterChip(i, dimension.ToString(), op.ToString(), [.. values.Select(v => v?.ToString() ?? string.Empty)])
            : new FilterChip(i, "filter", "is", [filter?.ToJsonString() ?? "null"]))];
    }

    public string Domain { get; }

    /// <summary>
    /// A view of a shared link or public dashboard (<c>/share/{domain}</c>): read-only, without an account. Its
    /// <c>auth</c>, <c>embed</c>, <c>theme</c> and <c>background</c> parameters stay on every link, as all others do.
    /// </summary>
    public bool Shared { get; }

    /// <summary>Shown inside another site's page (a shared link's <c>embed=true</c>): no header, no way out of the dashboard.</summary>
    public bool Embedded => Shared && Get("embed") == "true";

    public string? Period => Get("period");

    public string? From => Get("from");

    public string? To => Get("to");

    public string? Compare => Get("compare");

    public string? CompareFrom => Get("compare_from");

    public string? CompareTo => Get("compare_to");

    public string? Filters => Get("filters");

    /// <summary>Whether the top stats and the graph add the property's imported history (<c>imports=true</c>).</summary>
    public bool Imports => Get("imports") == "true";

    /// <summary>The panel whose details (full list) are open, if any.</summary>
    public string? Details => Get("details");

    /// <summary>The graph's metric (visitors unless the URL names another of <see cref="GraphMetrics"/>).</summary>
    public Metric Graph => Get("graph") is { } name && Metrics.TryParse(name, out var metric) && GraphMetrics.Contains(metric) ? metric : Metric.Visitors;

    /// <summary>The graph's interval as the URL asks for it (the page falls back to the range's natural one when it does not fit).</summary>
    public TimeInterval? Interval => Get("interval") switch
    {
        "hour" => TimeInterval.Hour,
        "day" => TimeInterval.Day,
        "week" => TimeInterval.Week,
        "month" => TimeInterval.Month,
        _ => null,
    };

    /// <summary>The whole URL (path and query), which identifies the view.</summary>
    public string Url => With();

    public string? Get(string name) => _parameters.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    /// <summary>The view an address (absolute, or relative to the site) shows; a path under /share/ is a shared view.</summary>
    public static DashboardView FromUri(string domain, string uri)
    {
        var at = uri.IndexOf('?', StringComparison.Ordinal);
        var query = at >= 0 ? uri[at..] : string.Empty;
        var path = at >= 0 ? uri[..at] : uri;
        var shared = (Uri.TryCreate(path, UriKind.Absolute, out var absolute) ? absolute.AbsolutePath : path).StartsWith("/share/", StringComparison.Ordinal);
        var hash = query.IndexOf('#', StringComparison.Ordinal);
        var parsed = QueryHelpers.ParseQuery(hash >= 0 ? query[..hash] : query);
        return new(domain, shared, parsed.Where(p => p.Value.Count > 0 && !string.IsNullOrEmpty(p.Value[0])).ToDictionary(p => p.Key, p => p.Value[0]!, StringComparer.Ordinal));
    }

    /// <summary>This view with some parameters set (null removes one).</summary>
    public string With(params (string Name, string? Value)[] changes)
    {
        var next = new Dictionary<string, string>(_parameters, StringComparer.Ordinal);
        foreach (var (name, value) in changes)
        {
            if (string.IsNullOrEmpty(value))
            {
                next.Remove(name);
            }
            else
            {
                next[name] = value;
            }
        }

        return QueryHelpers.AddQueryString(Path, next.OrderBy(p => Order(p.Key)).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (string?)p.Value)));
    }

    /// <summary>This view over another named range (custom dates dropped).</summary>
    public string WithPeriod(string period) => With(("period", period == ReportRequest.DefaultPeriod ? null : period), ("from", null), ("to", null));

    /// <summary>This view over the custom days <paramref name="first"/> to <paramref name="last"/>.</summary>
    public string WithDays(string first, string last) => With(("period", "custom"), ("from", first), ("to", last));

    public string Path => (Shared ? "/share/" : "/properties/") + Uri.EscapeDataString(Domain);

    /// <summary>The CSV export of one breakdown in this view (<c>dimension</c> "time" is the graph's series, "top" the top stats).</summary>
    public string CsvHref(string dimension)
    {
        var parameters = RangeAndFilters.Append("compare").Append("imports").Append("auth").Where(n => Get(n) is not null).Select(n => KeyValuePair.Create(n, Get(n)));
        if (dimension == "time")
        {
            parameters = parameters.Append(KeyValuePair.Create("graph", (string?)Metrics.Name(Graph)));
            if (Get("interval") is { } interval)
            {
                parameters = parameters.Append(KeyValuePair.Create("interval", (string?)interval));
            }
        }

        return QueryHelpers.AddQueryString(Path + "/export.csv", parameters.Append(KeyValuePair.Create("dimension", (string?)dimension)));
    }

    /// <summary>The filters in the URL, one chip each; empty when there are none or they are not a list (the query reports that).</summary>
    public IReadOnlyList<FilterChip> Chips { get; }

    /// <summary>This view filtered to <paramref name="dimension"/> = <paramref name="value"/> (replacing an "is" filter on the same dimension).</summary>
    public string WithFilter(string dimension, string value)
    {
        var index = Chips.FirstOrDefault(c => c.Dimension == dimension && c.Operator == "is")?.Index;
        return WithFilter(index, new FilterChip(0, dimension, "is", [value]));
    }

    /// <summary>This view with the filter at <paramref name="index"/> replaced by <paramref name="chip"/> (or <paramref name="chip"/> added, when the index is null).</summary>
    public string WithFilter(int? index, FilterChip chip)
    {
        var list = (JsonArray)_filters.DeepClone();
        var filter = new JsonArray(chip.Operator, chip.Dimension, new JsonArray([.. chip.Values.Select(v => (JsonNode?)JsonValue.Create(v))]));
        if (index is { } i && i >= 0 && i < list.Count)
        {
            list[i] = filter;
        }
        else
        {
            list.Add(filter);
        }

        return With(("filters", list.ToJsonString()), ("details", null));
    }

    public string WithoutFilter(int index)
    {
        var list = (JsonArray)_filters.DeepClone();
        list.RemoveAt(index);
        return With(("filters", list.Count == 0 ? null : list.ToJsonString()));
    }

    /// <summary>The value of an "is" filter on <paramref name="dimension"/> with one value, if the view has one.</summary>
    public string? FilteredTo(string dimension)
        => Chips.FirstOrDefault(c => c.Dimension == dimension && c.Operator == "is" && c.Values.Count == 1)?.Values[0];

    private static JsonArray ParseFilters(string? filters)
    {
        if (filters is null)
        {
            return [];
        }

        try
        {
            return JsonNode.Parse(filters) as JsonArray is { } list && (list.Count == 0 || list[0] is not JsonValue) ? list : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static int Order(string name) => Array.IndexOf(Known, name) is var i and >= 0 ? i : 99;
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Analytics.Dashboard;

/// <summary>One filter as shown in a chip: its place in the URL's filter list and how it reads.</summary>
public sealed record FilterChip(int Index, string Dimension, string Operator, IReadOnlyList<string> Values);

/// <summary>
/// What a dashboard URL says: the property, range, comparison, filters (the API's JSON filter list, verbatim), the
/// graph's metric and each panel's tab. Every link the page draws is this view with one thing changed, so a view can
/// be bookmarked, shared and reloaded.
/// </summary>
public sealed class DashboardView
{
    private static readonly string[] RangeAndFilters = ["period", "from", "to", "filters"];

    private readonly Dictionary<string, string> _parameters;

    /// <summary>The URL's filter list, parsed once (every row of every panel links to it with one filter more).</summary>
    private readonly JsonArray _filters;

    private DashboardView(string domain, Dictionary<string, string> parameters)
    {
        Domain = domain;
        _parameters = parameters;
        _filters = ParseFilters(Get("filters"));
        Chips = [.. _filters.Select((filter, i) => filter is JsonArray { Count: >= 3 } f && f[0] is JsonValue op && f[1] is JsonValue dimension && f[2] is JsonArray values
            ? new FilterChip(i, dimension.ToString(), op.ToString(), [.. values.Select(v => v?.ToString() ?? string.Empty)])
            : new FilterChip(i, "filter", "is", [filter?.ToJsonString() ?? "null"]))];
    }

    public string Domain { get; }

    public string? Period => Get("period");

    public string? From => Get("from");

    public string? To => Get("to");

    public string? Compare => Get("compare");

    public string? Filters => Get("filters");

    public string Graph => Get("graph") == "pageviews" ? "pageviews" : "visitors";

    public string? Get(string name) => _parameters.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    public static DashboardView FromQuery(string domain, IQueryCollection query)
        => new(domain, query.Where(p => p.Value.Count > 0 && !string.IsNullOrEmpty(p.Value[0])).ToDictionary(p => p.Key, p => p.Value[0]!, StringComparer.Ordinal));

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

    public string Path => "/properties/" + Uri.EscapeDataString(Domain);

    /// <summary>The CSV export of one breakdown in this view.</summary>
    public string CsvHref(string dimension)
    {
        var parameters = RangeAndFilters.Where(n => Get(n) is not null).Select(n => KeyValuePair.Create(n, Get(n)));
        return QueryHelpers.AddQueryString(Path + "/export.csv", parameters.Append(KeyValuePair.Create("dimension", (string?)dimension)));
    }

    /// <summary>The filters in the URL, one chip each; empty when there are none or they are not a list (the query reports that).</summary>
    public IReadOnlyList<FilterChip> Chips { get; }

    /// <summary>This view filtered to <paramref name="dimension"/> = <paramref name="value"/> (replacing an "is" filter on the same dimension).</summary>
    public string WithFilter(string dimension, string value)
    {
        var list = (JsonArray)_filters.DeepClone();
        for (var i = list.Count - 1; i >= 0; i--)
        {
            if (list[i] is JsonArray { Count: >= 3 } f && f[0]?.ToString() == "is" && f[1]?.ToString() == dimension)
            {
                list.RemoveAt(i);
            }
        }

        list.Add(new JsonArray("is", dimension, new JsonArray(value)));
        return With(("filters", list.ToJsonString()));
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

    private static int Order(string name) => Array.IndexOf(["period", "from", "to", "compare", "filters", "graph"], name) is var i and >= 0 ? i : 99;
}

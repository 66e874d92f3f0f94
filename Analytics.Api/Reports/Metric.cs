using Analytics.Storage.Hosting;

namespace Analytics.Api.Reports;

/// <summary>
/// What a report counts. Event metrics (visitors, pageviews, events, scroll depth, time on page, revenue) count the
/// events in the range; visit metrics (visits, bounce rate, visit duration) describe the sessions that started in it.
/// </summary>
public enum Metric
{
    Visitors,
    Visits,
    Pageviews,
    ViewsPerVisit,
    BounceRate,
    VisitDuration,
    Events,
    ScrollDepth,
    TimeOnPage,
    ConversionRate,
    GroupConversionRate,
    TotalRevenue,
    AverageRevenue,
    Percentage,
}

public static class Metrics
{
    private static readonly Dictionary<string, Metric> ByName = Enum.GetValues<Metric>().ToDictionary(Name, StringComparer.Ordinal);

    /// <summary>Every metric's API name, in declaration order.</summary>
    public static IReadOnlyList<string> Names { get; } = Enum.GetValues<Metric>().Select(Name).ToList();

    /// <summary>The API name: visitors, visits, pageviews, views_per_visit, bounce_rate, visit_duration, events, scroll_depth, time_on_page, conversion_rate, group_conversion_rate, total_revenue, average_revenue, percentage.</summary>
    public static string Name(Metric metric) => metric switch
    {
        Metric.ViewsPerVisit => "views_per_visit",
        Metric.BounceRate => "bounce_rate",
        Metric.VisitDuration => "visit_duration",
        Metric.ScrollDepth => "scroll_depth",
        Metric.TimeOnPage => "time_on_page",
        Metric.ConversionRate => "conversion_rate",
        Metric.GroupConversionRate => "group_conversion_rate",
        Metric.TotalRevenue => "total_revenue",
        Metric.AverageRevenue => "average_revenue",
        _ => metric.ToString().ToLowerInvariant(),
    };

    public static bool TryParse(string name, out Metric metric) => ByName.TryGetValue(name.Trim(), out metric);

    public static Metric Parse(string name, string field) => TryParse(name, out var metric)
        ? metric
        : throw new FieldValidationException(field, $"'{name}' is not a metric; use one of: {string.Join(", ", Names)}.");

    /// <summary>Parses a comma-separated list ("visitors,pageviews"); at least one, no repeats.</summary>
    public static IReadOnlyList<Metric> ParseList(string? names, string field)
    {
        var list = (names ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(n => Parse(n, field)).ToList();
        if (list.Count == 0)
        {
            throw new FieldValidationException(field, $"name at least one metric: {string.Join(", ", Names)}.");
        }

        return list.Distinct().Count() == list.Count ? list : throw new FieldValidationException(field, "a metric is listed twice.");
    }

    /// <summary>Counted from event rows (as opposed to sessions).</summary>
    internal static bool IsEventMetric(Metric metric) => metric is Metric.Visitors or Metric.Pageviews or Metric.Events or Metric.ScrollDepth
        or Metric.TimeOnPage or Metric.TotalRevenue or Metric.AverageRevenue or Metric.ConversionRate or Metric.GroupConversionRate or Metric.Percentage or Metric.ViewsPerVisit;

    /// <summary>A share of visitors who completed the goals of the query (needs an event:goal filter or dimension).</summary>
    internal static bool IsConversionMetric(Metric metric) => metric is Metric.ConversionRate or Metric.GroupConversionRate;

    /// <summary>Counted from sessions.</summary>
    internal static bool IsSessionMetric(Metric metric) => metric is Metric.Visits or Metric.BounceRate or Metric.VisitDuration or Metric.ViewsPerVisit;
}

using System.Globalization;
using Analytics.Api.Reports;

namespace Analytics.Dashboard;

/// <summary>How the dashboard writes numbers: counts with separators, rates in %, durations in minutes and seconds.</summary>
public static class Format
{
    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    public static string Metric(Api.Reports.Metric metric, double value) => metric switch
    {
        _ when double.IsNaN(value) => "—", // no data (scroll depth, time on page)
        Api.Reports.Metric.BounceRate or Api.Reports.Metric.ScrollDepth or Api.Reports.Metric.Percentage => Math.Round(value).ToString("0", Culture) + "%",
        Api.Reports.Metric.ConversionRate or Api.Reports.Metric.GroupConversionRate => value.ToString("0.#", Culture) + "%",
        Api.Reports.Metric.VisitDuration or Api.Reports.Metric.TimeOnPage => Duration(value),
        Api.Reports.Metric.ViewsPerVisit => value.ToString("0.##", Culture),
        Api.Reports.Metric.TotalRevenue or Api.Reports.Metric.AverageRevenue => value.ToString("#,0.00", Culture),
        _ => Count(value),
    };

    /// <summary>1234 as "1,234"; a million and more as "1.2M".</summary>
    public static string Count(double value) => value >= 1_000_000
        ? (value / 1_000_000).ToString("0.#", Culture) + "M"
        : value.ToString("#,0", Culture);

    public static string Duration(double seconds)
    {
        var total = (long)Math.Round(seconds);
        return total switch
        {
            < 60 => $"{total}s",
            < 3600 => $"{total / 60}m {total % 60}s",
            _ => $"{total / 3600}h {total % 3600 / 60}m",
        };
    }

    /// <summary>A change as "+12%" (for bounce rate, points: "-3 pts"); null when there is none to show.</summary>
    public static string? Change(Api.Reports.Metric metric, double? change) => change is not { } c || double.IsNaN(c) || double.IsInfinity(c)
        ? null
        : (c > 0 ? "+" : string.Empty) + Math.Round(c).ToString("0", Culture) + (metric == Api.Reports.Metric.BounceRate ? " pts" : "%");

    /// <summary>Whether a change is good news: up, except for bounce rate.</summary>
    public static bool IsGood(Api.Reports.Metric metric, double change) => metric == Api.Reports.Metric.BounceRate ? change < 0 : change > 0;

    public static string Label(Api.Reports.Metric metric) => metric switch
    {
        Api.Reports.Metric.Visitors => "Visitors",
        Api.Reports.Metric.Visits => "Visits",
        Api.Reports.Metric.Pageviews => "Pageviews",
        Api.Reports.Metric.ViewsPerVisit => "Views per visit",
        Api.Reports.Metric.BounceRate => "Bounce rate",
        Api.Reports.Metric.VisitDuration => "Visit duration",
        Api.Reports.Metric.Events => "Events",
        Api.Reports.Metric.ScrollDepth => "Scroll depth",
        Api.Reports.Metric.TimeOnPage => "Time on page",
        Api.Reports.Metric.ConversionRate => "Conversion rate",
        Api.Reports.Metric.GroupConversionRate => "Conversion rate",
        Api.Reports.Metric.TotalRevenue => "Revenue",
        Api.Reports.Metric.AverageRevenue => "Average revenue",
        _ => "Share",
    };

    /// <summary>A dimension as a filter chip names it: "visit:utm_source" as "UTM source", "event:props:plan" as "plan".</summary>
    public static string DimensionName(string dimension)
    {
        if (dimension.StartsWith("event:props:", StringComparison.Ordinal))
        {
            return dimension["event:props:".Length..];
        }

        var name = dimension[(dimension.IndexOf(':', StringComparison.Ordinal) + 1)..].Replace("utm_", "UTM ", StringComparison.Ordinal).Replace('_', ' ');
        return name.Length == 0 ? dimension : char.ToUpperInvariant(name[0]) + name[1..];
    }

    /// <summary>A breakdown value as shown: a blank named (breakdowns name it already; a visit's own source does not), countries by name.</summary>
    public static string Value(string dimension, string value) => (dimension, value) switch
    {
        (_, "") => Dimension.Parse(dimension, "dimension").BlankLabel ?? Dimension.NoProperty,
        ("visit:country", _) => Countries.Name(value),
        _ => value,
    };

    /// <summary>A time bucket as the graph's tooltip names it: "Tue 3 Dec 2026, 14:00", "Tue 3 Dec 2026", "Week of 30 Nov 2026", "December 2026".</summary>
    public static string Bucket(TimeBucket bucket, TimeInterval interval) => interval switch
    {
        TimeInterval.Hour => bucket.Label.ToString("ddd d MMM yyyy, HH:mm", Culture),
        TimeInterval.Day => bucket.Label.ToString("ddd d MMM yyyy", Culture),
        TimeInterval.Week => "Week of " + bucket.Label.ToString("d MMM yyyy", Culture),
        _ => bucket.Label.ToString("MMMM yyyy", Culture),
    };

    /// <summary>An interval's name in the graph's switch.</summary>
    public static string Interval(TimeInterval interval) => interval switch
    {
        TimeInterval.Hour => "Hours",
        TimeInterval.Day => "Days",
        TimeInterval.Week => "Weeks",
        _ => "Months",
    };

    /// <summary>A UTC time on the owner's clock: "3 Dec 14:05" (or <paramref name="pattern"/>).</summary>
    public static string Local(DateTime utc, NodaTime.DateTimeZone zone, string pattern = "d MMM HH:mm")
        => NodaTime.Instant.FromDateTimeUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).InZone(zone).ToString(pattern, Culture);

    /// <summary>A date range as words: "1 Nov – 22 Nov 2026".</summary>
    public static string Range(ReportRange range) => range.FirstDay is { } first && range.LastDay is { } last
        ? first == last ? first.ToString("d MMM yyyy", Culture) : $"{first.ToString(first.Year == last.Year ? "d MMM" : "d MMM yyyy", Culture)} – {last.ToString("d MMM yyyy", Culture)}"
        : $"{range.From} – {range.To}";
}

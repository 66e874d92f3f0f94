namespace Analytics.Reports;

/// <summary>
/// The dashboard's top stats for a range. Visitors, pageviews and events count what happened in the range; visits,
/// bounce rate and visit duration describe the sessions that started in it.
/// </summary>
public sealed record TopStats(ulong Visitors, ulong Visits, ulong Pageviews, ulong Events, ulong Bounces, ulong DurationMs)
{
    public double ViewsPerVisit => Visits == 0 ? 0 : Math.Round((double)Pageviews / Visits, 2);

    /// <summary>Percent of visits with one pageview, 0 to 100.</summary>
    public double BounceRate => Visits == 0 ? 0 : Math.Round(100.0 * Bounces / Visits, 1);

    /// <summary>Mean visit duration in seconds.</summary>
    public double VisitDuration => Visits == 0 ? 0 : Math.Round(DurationMs / 1000.0 / Visits, 1);
}

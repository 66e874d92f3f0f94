namespace Analytics.Reports;

/// <summary>
/// One page of the top-pages report. Visitors and pageviews count views in the range; entries and exits belong to the
/// sessions that started in it. Time on page and scroll depth are averages over the page's engagement events.
/// </summary>
public sealed record PageStats(string Pathname, ulong Visitors, ulong Pageviews, ulong Entries, long Exits, ulong Engagements, ulong EngagedMs, ulong ScrollDepthSum)
{
    /// <summary>Mean engaged seconds per engagement report.</summary>
    public double TimeOnPage => Engagements == 0 ? 0 : Math.Round(EngagedMs / 1000.0 / Engagements, 1);

    /// <summary>Mean maximum scroll depth, 0 to 100.</summary>
    public double ScrollDepth => Engagements == 0 ? 0 : Math.Round((double)ScrollDepthSum / Engagements, 0);
}

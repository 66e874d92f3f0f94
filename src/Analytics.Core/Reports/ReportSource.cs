namespace Analytics.Reports;

/// <summary>Where a query is answered from: the 15-minute rollups (fast) or the raw events (any filter). Both give the same answer.</summary>
public enum ReportSource
{
    Rollup,
    Raw,
}

namespace Analytics.Reports;

/// <summary>One bucket of a time series.</summary>
public sealed record SeriesPoint(TimeBucket Bucket, ulong Visitors, ulong Pageviews, ulong Visits);

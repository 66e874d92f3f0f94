namespace Analytics.Api.Reports;

/// <summary>One row: the dimensions' values (time buckets as their local label) and the metrics' values, in query order.</summary>
public sealed record ResultRow(IReadOnlyList<string> Dimensions, IReadOnlyList<double> Metrics)
{
    /// <summary>The same row in the comparison period, if one was asked for.</summary>
    public ResultRow? Comparison { get; init; }

    /// <summary>Per metric: percent change from the comparison (for bounce rate, the difference in points); null without one.</summary>
    public IReadOnlyList<double?>? Change { get; init; }
}

/// <summary>Which table answered each half of a query: event metrics and session metrics (null when not needed).</summary>
public sealed record QueryPlan(string? Events, string? Sessions);

public sealed record QueryResult(ReportQuery Query, IReadOnlyList<ResultRow> Rows, long TotalRows, QueryPlan Plan)
{
    /// <summary>The time buckets of a time-dimension query, in order (their labels are the rows' time values).</summary>
    public IReadOnlyList<TimeBucket> TimeBuckets { get; init; } = [];

    /// <summary>Whether imported history was added (asked for with <see cref="ReportQuery.IncludeImports"/>).</summary>
    public bool ImportsIncluded { get; init; }

    /// <summary>
    /// Why imported history was not added, as Plausible's Stats API says it: no_imported_data, out_of_range,
    /// unsupported_query (filters, breakdowns or metrics it has no figures for) or unsupported_interval (hours); null when it was, or not asked for.
    /// </summary>
    public string? ImportsSkipReason { get; init; }

    /// <summary>One visitor in this many was read for some figure of the answer (<see cref="ReportQuery.SampleOneIn"/>), which is then an estimate; 1 when every one was.</summary>
    public int SampledOneIn { get; init; } = 1;
}

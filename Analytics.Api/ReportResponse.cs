using Analytics.Api.Reports;

namespace Analytics.Api;

internal sealed record ReportResponse(IReadOnlyList<ReportRow> Results, long TotalRows, ReportMeta Meta);

/// <summary>A row of a report: the dimensions' values, the metrics by name (null: no data, e.g. scroll depth without engagement), and with a comparison its values and % change.</summary>
internal sealed record ReportRow(
    IReadOnlyList<string> Dimensions,
    IReadOnlyDictionary<string, double?> Metrics,
    IReadOnlyDictionary<string, double?>? Comparison,
    IReadOnlyDictionary<string, double?>? Change);

/// <summary>
/// What was answered: the UTC range, the zone, which tables the planner used, and, when the range was too large to
/// read whole (<c>Reports:SampleAbove</c>), the percentage of visitors some figure was estimated from (null: all).
/// </summary>
internal sealed record ReportMeta(DateTimeOffset From, DateTimeOffset To, string Timezone, IReadOnlyList<string> Dimensions, QueryPlan Plan, DateTimeOffset? ComparisonFrom, DateTimeOffset? ComparisonTo, double? SamplePercent);

/// <summary>A funnel as the list gives it: its id, name and steps (goals' display names, in order).</summary>
internal sealed record FunnelSummary(long Id, string Name, IReadOnlyList<string> Steps);

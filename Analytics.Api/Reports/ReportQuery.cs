using Analytics.Storage.Goals;
using NodaTime;

namespace Analytics.Api.Reports;

/// <summary>
/// One question to the reporting engine, shared by the native API, the Plausible-compatible API and the dashboard.
/// Without dimensions it is an aggregate; with a time dimension a time series; with others a breakdown.
/// </summary>
public sealed record ReportQuery
{
    public required long PropertyId { get; init; }

    /// <summary>The property's zone: time buckets are its local hours, days, weeks and months.</summary>
    public required DateTimeZone Zone { get; init; }

    /// <summary>
    /// The zone of the property's rollup days (<see cref="Analytics.Storage.Properties.Property.Days"/>): a day row of
    /// rollup_daily holds the events of one local day there. When it is <see cref="Zone"/>, a range of local days is
    /// whole rows; otherwise the partial days at a range's ends are read from finer rows or raw events.
    /// </summary>
    public required DateTimeZone DayZone { get; init; }

    public required ReportRange Range { get; init; }

    public IsoDayOfWeek WeekStart { get; init; } = IsoDayOfWeek.Monday;

    public required IReadOnlyList<Metric> Metrics { get; init; }

    public IReadOnlyList<Dimension> Dimensions { get; init; } = [];

    public Filter? Filter { get; init; }

    /// <summary>
    /// The property's goals, which event:goal names; null until the engine loads them (when the query names
    /// event:goal). A caller that has them may set them.
    /// </summary>
    public IReadOnlyList<Goal>? Goals { get; init; }

    /// <summary>Default: time ascending, then the first metric descending, then the dimensions ascending.</summary>
    public IReadOnlyList<OrderBy> OrderBy { get; init; } = [];

    public int Limit { get; init; } = 10_000;

    public int Offset { get; init; }

    /// <summary>
    /// Whether imported history (another tool's day totals and breakdowns) is merged where the query allows: totals and
    /// day, week or month series, or a breakdown by one imported dimension (source, referrer, UTM tags, page, hostname,
    /// entry and exit page, country, device, browser, OS, event name), filtered on that dimension alone or not at all.
    /// <see cref="QueryResult.ImportsIncluded"/> and <see cref="QueryResult.ImportsSkipReason"/> say what happened.
    /// </summary>
    public bool IncludeImports { get; init; }

    /// <summary>The fastest source the planner may use; it falls back to slower ones when the query needs them.</summary>
    public ReportSource Source { get; init; } = ReportSource.Rollup;

    /// <summary>
    /// Read raw events and visits of one visitor in this many (those whose id falls in the first 1/N of the id space:
    /// ids are keyed hashes, spread evenly) and scale the figures by it; 1 reads every visitor. Null lets the engine
    /// decide by <see cref="ReportOptions.SampleAbove"/>. The rollups are always read whole, and so is a half that merges
    /// imported history. <see cref="QueryResult.SampledOneIn"/> says what was read.
    /// </summary>
    public int? SampleOneIn { get; init; }
}

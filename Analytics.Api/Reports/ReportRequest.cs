using Analytics.Storage.Properties;
using Analytics.Storage.Hosting;
using NodaTime;

namespace Analytics.Api.Reports;

/// <summary>
/// A report's range, comparison and filters as the API and the dashboard both take them, in the same words:
/// <paramref name="Period"/> (today, 7d, 30d, month, 12mo, custom, ...), <paramref name="From"/> and
/// <paramref name="To"/> for custom ranges, <paramref name="Compare"/> (previous_period, year_over_year, or custom with
/// the days <paramref name="CompareFrom"/> to <paramref name="CompareTo"/>) and <paramref name="Filters"/> (Plausible's
/// JSON filter list).
/// </summary>
public sealed record ReportRequest(string? Period, string? From, string? To, string? Compare, string? Filters, string? CompareFrom = null, string? CompareTo = null)
{
    public const string DefaultPeriod = "30d";

    /// <summary>The saved segments <see cref="Filters"/> may name (<c>["is", "segment", [id]]</c>).</summary>
    public IReadOnlyList<Segment>? Segments { get; init; }

    /// <summary>The query over <paramref name="property"/>, its comparison range (if asked for), and the kind of range.</summary>
    public async Task<(ReportQuery Query, ReportRange? Comparison, DateRangeKind Kind)> ToQueryAsync(Property property, IReadOnlyList<Metric> metrics, EventFacts facts, Instant now, CancellationToken cancellationToken)
    {
        var zone = property.Zone;
        var period = string.IsNullOrWhiteSpace(Period) ? DefaultPeriod : Period;
        ReportRange range;
        DateRangeKind kind;
        if (period.Trim() == "custom" && (From?.Contains('T', StringComparison.Ordinal) == true || To?.Contains('T', StringComparison.Ordinal) == true))
        {
            kind = DateRangeKind.CustomInstants;
            range = ReportRanges.Instants(ReportRanges.ParseInstant(From ?? string.Empty, "from"), ReportRanges.ParseInstant(To ?? string.Empty, "to"));
        }
        else
        {
            kind = ReportRanges.Parse(period);
            var first = kind == DateRangeKind.All ? await facts.FirstDayAsync(property.Id, zone, cancellationToken) : null;
            range = ReportRanges.Resolve(kind, zone, now, Date(From, "from"), Date(To, "to"), first);
        }

        var comparison = Compare?.Trim() == "custom"
            ? ReportRanges.Days(zone, Date(CompareFrom, "compare_from") ?? throw new FieldValidationException("compare_from", "a custom comparison needs its first day (yyyy-MM-dd)."),
                Date(CompareTo, "compare_to") is { } last && last >= Date(CompareFrom, "compare_from") ? last
                    : throw new FieldValidationException("compare_to", "a custom comparison needs its last day (yyyy-MM-dd), on or after its first."))
            : ReportRanges.Comparison(Compare, range, zone, kind, "compare");
        var query = new ReportQuery
        {
            PropertyId = property.Id,
            Zone = zone,
            DayZone = property.Days,
            WeekStart = property.FirstDayOfWeek,
            Range = range,
            Metrics = metrics,
            Filter = FilterJson.Parse(Filters, segments: Segments),
        };
        return (query, comparison, kind);
    }

    private static LocalDate? Date(string? text, string field) => string.IsNullOrWhiteSpace(text) ? null : ReportRanges.ParseDay(text, field);
}

using Analytics.Storage.Hosting;
using NodaTime;
using NodaTime.Text;

namespace Analytics.Api.Reports;

/// <summary>
/// Turns a named or custom range in the owner's time zone into UTC instants with NodaTime. Days start at the zone's
/// start of day (23 or 25 hours long around DST, exact for :30 and :45 offsets). "N days" ranges end today and hold
/// N local days; 6 and 12 months begin on the first of a month and end today.
/// </summary>
public static class ReportRanges
{
    /// <summary>Parses the API's names: 24h, today, yesterday, 7d, 28d, 30d, month, last_month, 6mo, 12mo, year, all, custom.</summary>
    public static DateRangeKind Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "24h" => DateRangeKind.Last24Hours,
        "today" or "day" => DateRangeKind.Today,
        "yesterday" => DateRangeKind.Yesterday,
        "7d" => DateRangeKind.Last7Days,
        "28d" => DateRangeKind.Last28Days,
        "30d" => DateRangeKind.Last30Days,
        "month" or "mtd" => DateRangeKind.MonthToDate,
        "last_month" => DateRangeKind.LastMonth,
        "6mo" => DateRangeKind.Last6Months,
        "12mo" => DateRangeKind.Last12Months,
        "year" or "ytd" => DateRangeKind.YearToDate,
        "all" => DateRangeKind.All,
        "custom" => DateRangeKind.CustomDates,
        _ => throw new FieldValidationException("date_range",
            $"'{name}' is not a date range: use 24h, today, yesterday, 7d, 28d, 30d, month, last_month, 6mo, 12mo, year, all, or custom dates."),
    };

    /// <param name="firstEvent">For <see cref="DateRangeKind.All"/>: the day of the property's first event (default: today).</param>
    public static ReportRange Resolve(DateRangeKind kind, DateTimeZone zone, Instant now, LocalDate? from = null, LocalDate? to = null, LocalDate? firstEvent = null)
    {
        var today = now.InZone(zone).Date;
        return kind switch
        {
            DateRangeKind.Last24Hours => LastHours(zone, now, 24),
            DateRangeKind.Today => Days(zone, today, today),
            DateRangeKind.Yesterday => Days(zone, today.PlusDays(-1), today.PlusDays(-1)),
            DateRangeKind.Last7Days => Days(zone, today.PlusDays(-6), today),
            DateRangeKind.Last28Days => Days(zone, today.PlusDays(-27), today),
            DateRangeKind.Last30Days => Days(zone, today.PlusDays(-29), today),
            DateRangeKind.MonthToDate => Days(zone, today.With(DateAdjusters.StartOfMonth), today),
            DateRangeKind.LastMonth => Days(zone, today.PlusMonths(-1).With(DateAdjusters.StartOfMonth), today.With(DateAdjusters.StartOfMonth).PlusDays(-1)),
            DateRangeKind.Last6Months => Days(zone, today.PlusMonths(-5).With(DateAdjusters.StartOfMonth), today),
            DateRangeKind.Last12Months => Days(zone, today.PlusMonths(-11).With(DateAdjusters.StartOfMonth), today),
            DateRangeKind.YearToDate => Days(zone, new LocalDate(today.Year, 1, 1), today),
            DateRangeKind.All => Days(zone, firstEvent is { } first && first <= today ? first : today, today),
            DateRangeKind.CustomDates => Custom(zone, from, to),
            _ => throw new FieldValidationException("date_range", "a range of instants is made with Instants(from, to)."),
        };
    }

    /// <summary>A day as yyyy-MM-dd; anything else is refused naming <paramref name="field"/>.</summary>
    public static LocalDate ParseDay(string text, string field)
    {
        var parsed = LocalDatePattern.Iso.Parse(text.Trim());
        return parsed.Success ? parsed.Value : throw new FieldValidationException(field, $"'{text}' is not a date (yyyy-MM-dd).");
    }

    /// <summary>An ISO-8601 time with its offset (2024-03-01T09:00:00+05:45, or Z for UTC).</summary>
    public static Instant ParseInstant(string text, string field)
    {
        var parsed = OffsetDateTimePattern.ExtendedIso.Parse(text.Trim());
        return parsed.Success
            ? parsed.Value.ToInstant()
            : throw new FieldValidationException(field, $"'{text}' is not a time with an offset (e.g. 2024-03-01T09:00:00+05:45 or 2024-03-01T03:15:00Z).");
    }

    /// <summary>The range to compare with: "previous_period", "year_over_year", or none (null or empty).</summary>
    public static ReportRange? Comparison(string? mode, ReportRange range, DateTimeZone zone, DateRangeKind kind, string field) => mode?.Trim() switch
    {
        null or "" => null,
        "previous_period" => Previous(range, zone, kind),
        "year_over_year" => YearBefore(range, zone),
        _ => throw new FieldValidationException(field, $"'{mode}' is not a comparison; use previous_period or year_over_year."),
    };

    /// <summary>
    /// The current local hour and the <paramref name="hours"/> - 1 before it. Local hours start on the 15-minute UTC grid
    /// in every zone, so the range is whole rollup buckets.
    /// </summary>
    public static ReportRange LastHours(DateTimeZone zone, Instant now, int hours)
    {
        var hourStart = now - Duration.FromNanoseconds(now.InZone(zone).NanosecondOfDay % NodaConstants.NanosecondsPerHour);
        return new ReportRange(hourStart - Duration.FromHours(hours - 1), hourStart + Duration.FromHours(1), null, null);
    }

    /// <summary>The local days <paramref name="first"/> to <paramref name="last"/>, both included.</summary>
    public static ReportRange Days(DateTimeZone zone, LocalDate first, LocalDate last)
        => new(zone.AtStartOfDay(first).ToInstant(), zone.AtStartOfDay(last.PlusDays(1)).ToInstant(), first, last);

    /// <summary>A range given as instants, [from, to).</summary>
    public static ReportRange Instants(Instant from, Instant to)
        => to > from ? new ReportRange(from, to, null, null) : throw new FieldValidationException("date_range", "the end must come after the start.");

    /// <summary>The period just before: as many local days, ending the day before. A month to date compares with the
    /// same days of the previous month (the 1st to the same day number, cut at that month's end).</summary>
    public static ReportRange Previous(ReportRange range, DateTimeZone zone, DateRangeKind kind)
    {
        if (range.FirstDay is not { } first || range.LastDay is not { } last)
        {
            return new ReportRange(range.From - range.Length, range.From, null, null);
        }

        if (kind == DateRangeKind.MonthToDate)
        {
            var monthBefore = first.PlusMonths(-1);
            var end = monthBefore.PlusDays(Period.Between(first, last, PeriodUnits.Days).Days);
            var monthEnd = monthBefore.With(DateAdjusters.EndOfMonth);
            return Days(zone, monthBefore, end > monthEnd ? monthEnd : end);
        }

        var days = Period.Between(first, last, PeriodUnits.Days).Days + 1;
        return Days(zone, first.PlusDays(-days), first.PlusDays(-1));
    }

    /// <summary>The same local days one year earlier (29 February becomes the 28th).</summary>
    public static ReportRange YearBefore(ReportRange range, DateTimeZone zone)
        => range.FirstDay is { } first && range.LastDay is { } last
            ? Days(zone, first.PlusYears(-1), last.PlusYears(-1))
            : new ReportRange(range.From.InUtc().LocalDateTime.PlusYears(-1).InUtc().ToInstant(), range.To.InUtc().LocalDateTime.PlusYears(-1).InUtc().ToInstant(), null, null);

    private static ReportRange Custom(DateTimeZone zone, LocalDate? from, LocalDate? to)
    {
        if (from is not { } first)
        {
            throw new FieldValidationException("from", "a custom range needs its first day (yyyy-MM-dd).");
        }

        if (to is not { } last)
        {
            throw new FieldValidationException("to", "a custom range needs its last day (yyyy-MM-dd).");
        }

        return last >= first ? Days(zone, first, last) : throw new FieldValidationException("to", $"the last day ({last:yyyy-MM-dd}) comes before the first ({first:yyyy-MM-dd}).");
    }
}

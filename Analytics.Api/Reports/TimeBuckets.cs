using System.Globalization;
using Analytics.Storage.Hosting;
using NodaTime;

namespace Analytics.Api.Reports;

/// <summary>
/// Splits a range into local hours, days, weeks or months. Every UTC offset in use is a multiple of 15 minutes, so
/// every local boundary lies on the 15-minute UTC grid, which is also the rollups' grain: walking that grid and
/// starting a bucket wherever the local hour (day, week, month) changes gives exact buckets in every zone, including
/// 23- and 25-hour days, Lord Howe's 30-minute DST and :45 offsets, and every bucket is a whole set of rollup buckets.
/// </summary>
public static class TimeBuckets
{
    private static readonly Duration Grid = Duration.FromMinutes(15);

    public static IReadOnlyList<TimeBucket> Split(ReportRange range, DateTimeZone zone, TimeInterval interval, IsoDayOfWeek weekStart = IsoDayOfWeek.Monday)
    {
        var buckets = new List<TimeBucket>();
        var start = range.From;
        var startLocal = range.From.InZone(zone);
        var key = Key(startLocal, interval, weekStart);
        for (var t = range.From + Grid; t < range.To; t += Grid)
        {
            var local = t.InZone(zone);
            var next = Key(local, interval, weekStart);
            if (next != key)
            {
                buckets.Add(new TimeBucket(start, t, Label(startLocal, interval, weekStart), startLocal.Offset));
                (start, startLocal, key) = (t, local, next);
            }
        }

        buckets.Add(new TimeBucket(start, range.To, Label(startLocal, interval, weekStart), startLocal.Offset));

        // A week cut by the range's start is named by the range's first day, as Plausible names it.
        if (interval == TimeInterval.Week && buckets[0].Label.Date < range.From.InZone(zone).Date)
        {
            buckets[0] = buckets[0] with { Label = range.From.InZone(zone).Date.AtMidnight() };
        }

        return buckets;
    }

    /// <summary>The interval a graph of this range reads best at (about 24 to 400 points), as the dashboard chooses it.</summary>
    public static TimeInterval Natural(ReportRange range) => range.Length.TotalDays switch
    {
        <= 2 => TimeInterval.Hour,
        <= 120 => TimeInterval.Day,
        <= 730 => TimeInterval.Week,
        _ => TimeInterval.Month,
    };

    /// <summary>An interval by name: hour, day (or Plausible's "date"), week, month; null when none is given.</summary>
    public static TimeInterval? ParseInterval(string? text, string field) => text?.Trim() switch
    {
        null or "" => null,
        "hour" => TimeInterval.Hour,
        "day" or "date" => TimeInterval.Day,
        "week" => TimeInterval.Week,
        "month" => TimeInterval.Month,
        _ => throw new FieldValidationException(field, $"'{text}' is not an interval; use hour, day, week or month."),
    };

    /// <summary>How a bucket is written in results: "2024-03-31 02:00:00" for hours, "2024-03-31" otherwise (as Plausible writes them).</summary>
    public static string LabelText(TimeBucket bucket, TimeInterval interval) => interval == TimeInterval.Hour
        ? bucket.Label.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
        : bucket.Label.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>What identifies the bucket a local time falls in. Hours include the offset, so a repeated hour is a new bucket.</summary>
    private static (LocalDate Date, int Hour, Offset Offset) Key(ZonedDateTime local, TimeInterval interval, IsoDayOfWeek weekStart) => interval switch
    {
        TimeInterval.Hour => (local.Date, local.Hour, local.Offset),
        TimeInterval.Day => (local.Date, 0, Offset.Zero),
        TimeInterval.Week => (WeekOf(local.Date, weekStart), 0, Offset.Zero),
        _ => (local.Date.With(DateAdjusters.StartOfMonth), 0, Offset.Zero),
    };

    /// <summary>The bucket's name: the local start of its hour, day, week or month (a clipped month keeps its name; a week cut by the range's start is renamed in <see cref="Split"/>).</summary>
    private static LocalDateTime Label(ZonedDateTime local, TimeInterval interval, IsoDayOfWeek weekStart) => interval switch
    {
        TimeInterval.Hour => local.Date + new LocalTime(local.Hour, 0),
        TimeInterval.Day => local.Date.AtMidnight(),
        TimeInterval.Week => WeekOf(local.Date, weekStart).AtMidnight(),
        _ => local.Date.With(DateAdjusters.StartOfMonth).AtMidnight(),
    };

    private static LocalDate WeekOf(LocalDate date, IsoDayOfWeek weekStart)
        => date.DayOfWeek == weekStart ? date : date.With(DateAdjusters.Previous(weekStart));
}

using Analytics.Storage.Notifications;
using Analytics.Storage.Properties;
using Cronos;
using NodaTime;

namespace Analytics.Dashboard.Notifications;

/// <summary>
/// When email reports go out, on each property's own clock (Cronos, in the property's zone: exact across DST and in
/// half-hour zones): weekly at <see cref="SchedulerOptions.ReportHour"/> on the first day of the property's week, for
/// the seven days before; monthly at that hour on the 1st, for the month before.
/// </summary>
internal static class ReportSchedule
{
    /// <summary>The cron expression of a period (minute, hour, day of month, month, day of week; Sunday is 0).</summary>
    public static CronExpression Cron(string every, IsoDayOfWeek weekStart, int hour) => CronExpression.Parse(every == "month"
        ? $"0 {hour} 1 * *"
        : $"0 {hour} * * {(int)weekStart % 7}");

    /// <summary>
    /// The report's latest scheduled time up to <paramref name="now"/> and after it was added (a report added today is
    /// first sent at its next time); null when there is none yet. Only the latest counts: a server that was down for
    /// weeks sends the last report it missed, not all of them.
    /// </summary>
    public static DateTime? LastDue(EmailReport report, Property property, DateTime now, int hour)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(property.Timezone);
        var cron = Cron(report.Every, property.FirstDayOfWeek, hour);
        var from = DateTime.SpecifyKind(report.CreatedAt > now.AddDays(-40) ? report.CreatedAt : now.AddDays(-40), DateTimeKind.Utc);
        DateTime? last = null;
        for (var next = cron.GetNextOccurrence(from, zone); next is { } at && at <= now; next = cron.GetNextOccurrence(at, zone))
        {
            last = at;
        }

        return last;
    }

    /// <summary>The local days a report sent at <paramref name="occasion"/> covers: the week or the month before it.</summary>
    public static (LocalDate First, LocalDate Last) Days(string every, DateTime occasion, DateTimeZone zone)
    {
        var day = Instant.FromDateTimeUtc(DateTime.SpecifyKind(occasion, DateTimeKind.Utc)).InZone(zone).Date;
        return every == "month"
            ? (day.PlusMonths(-1).With(DateAdjusters.StartOfMonth), day.PlusMonths(-1).With(DateAdjusters.EndOfMonth))
            : (day.PlusDays(-7), day.PlusDays(-1));
    }
}

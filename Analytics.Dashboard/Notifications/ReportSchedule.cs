using Analytics.Storage.Notifications;
using Analytics.Storage.Properties;
using Cronos;
using NodaTime;

namespace Analytics.Dashboard.Notifications;

/// <summary>
/// When email reports go out, on each property's own clock (Cronos on its wall clock, NodaTime for its zone: exact
/// across DST and in half-hour zones): weekly at <see cref="SchedulerOptions.ReportHour"/> on the first day of the property's week, for
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
    /// weeks sends the last report it missed, not all of them. Cronos counts on the property's wall clock and NodaTime's
    /// time zone database (the one every report uses; no system time zone data is needed) turns each time into UTC.
    /// </summary>
    public static DateTime? LastDue(EmailReport report, Property property, DateTime now, int hour)
    {
        var zone = property.Zone;
        var cron = Cron(report.Every, property.FirstDayOfWeek, hour);
        var from = DateTime.SpecifyKind(report.CreatedAt > now.AddDays(-40) ? report.CreatedAt : now.AddDays(-40), DateTimeKind.Utc);
        var wallClock = DateTime.SpecifyKind(Instant.FromDateTimeUtc(from).InZone(zone).LocalDateTime.ToDateTimeUnspecified(), DateTimeKind.Utc);
        DateTime? last = null;
        for (var next = cron.GetNextOccurrence(wallClock, TimeZoneInfo.Utc); next is { } local; next = cron.GetNextOccurrence(local, TimeZoneInfo.Utc))
        {
            var at = LocalDateTime.FromDateTime(local).InZoneLeniently(zone).ToDateTimeUtc(); // a time in a DST gap moves on by the gap
            if (at > now)
            {
                break;
            }

            if (at > from)
            {
                last = at;
            }
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

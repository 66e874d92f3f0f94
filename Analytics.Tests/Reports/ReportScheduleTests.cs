using Analytics.Dashboard.Notifications;
using Analytics.Storage.Notifications;
using Analytics.Storage.Properties;
using NodaTime;

namespace Analytics.Tests.Reports;

/// <summary>When email reports go out, on each property's clock: across DST changes and in half-hour zones.</summary>
public sealed class ReportScheduleTests
{
    [Theory]
    // Weekly at 09:00 on Mondays in New York: the Monday after the change back to EST is 14:00 UTC, the one before 13:00.
    [InlineData("America/New_York", 1, "week", "2026-10-20T00:00:00Z", "2026-11-03T12:00:00Z", "2026-11-02T14:00:00Z", "2026-10-26", "2026-11-01")]
    [InlineData("America/New_York", 1, "week", "2026-10-20T00:00:00Z", "2026-11-02T13:59:00Z", "2026-10-26T13:00:00Z", "2026-10-19", "2026-10-25")]
    // Half an hour off UTC: 09:00 in Kolkata is 03:30 UTC.
    [InlineData("Asia/Kolkata", 1, "week", "2026-10-01T00:00:00Z", "2026-11-02T04:00:00Z", "2026-11-02T03:30:00Z", "2026-10-26", "2026-11-01")]
    // A week that starts on Sunday.
    [InlineData("Europe/Berlin", 7, "week", "2026-10-01T00:00:00Z", "2026-11-04T00:00:00Z", "2026-11-01T08:00:00Z", "2026-10-25", "2026-10-31")]
    // Monthly on the 1st: Lord Howe keeps a half-hour DST (+11 in summer), so 09:00 on 1 November is 22:00 UTC the day before.
    [InlineData("Australia/Lord_Howe", 1, "month", "2026-09-15T00:00:00Z", "2026-11-02T00:00:00Z", "2026-10-31T22:00:00Z", "2026-10-01", "2026-10-31")]
    [InlineData("Australia/Lord_Howe", 1, "month", "2026-09-15T00:00:00Z", "2026-10-31T21:59:00Z", "2026-09-30T22:30:00Z", "2026-09-01", "2026-09-30")]
    public void LastDue_IsTheLatestScheduledTime_OnThePropertysClock_WithTheDaysItCovers(string zone, short weekStart, string every, string created, string now, string due, string first, string last)
    {
        var property = new Property(1, "example.com", "Example", zone, DateTime.UtcNow, weekStart, string.Empty, null, false);
        var report = new EmailReport(1, 1, "a@example.com", every, "uns_x", DateTime.Parse(created, null, System.Globalization.DateTimeStyles.AdjustToUniversal));
        var at = ReportSchedule.LastDue(report, property, DateTime.Parse(now, null, System.Globalization.DateTimeStyles.AdjustToUniversal), hour: 9);
        Assert.Equal(DateTime.Parse(due, null, System.Globalization.DateTimeStyles.AdjustToUniversal), at);
        var (from, to) = ReportSchedule.Days(every, at!.Value, property.Zone);
        Assert.Equal((LocalDate.FromDateTime(DateTime.Parse(first, System.Globalization.CultureInfo.InvariantCulture)), LocalDate.FromDateTime(DateTime.Parse(last, System.Globalization.CultureInfo.InvariantCulture))), (from, to));
    }

    [Fact]
    public void AReportAddedAfterItsLastTime_WaitsForTheNext()
    {
        var property = new Property(1, "example.com", "Example", "Europe/London", DateTime.UtcNow, 1, string.Empty, null, false);
        var report = new EmailReport(1, 1, "a@example.com", "week", "uns_x", new DateTime(2026, 11, 2, 9, 30, 0, DateTimeKind.Utc));
        Assert.Null(ReportSchedule.LastDue(report, property, new DateTime(2026, 11, 8, 23, 0, 0, DateTimeKind.Utc), hour: 9));
        Assert.Equal(new DateTime(2026, 11, 9, 9, 0, 0, DateTimeKind.Utc), ReportSchedule.LastDue(report, property, new DateTime(2026, 11, 9, 9, 0, 0, DateTimeKind.Utc), hour: 9));
    }
}

using Analytics.Storage.Hosting;
using Analytics.Api.Reports;
using NodaTime;

namespace Analytics.Tests.Reports;

public sealed class ReportRangesTests
{
    private static readonly DateTimeZone Kathmandu = DateTimeZoneProviders.Tzdb["Asia/Kathmandu"];
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];

    // 2026-03-31 02:00 UTC is already 07:45 on the 31st in Kathmandu, but still the 30th in New York.
    private static readonly Instant Now = Instant.FromUtc(2026, 3, 31, 2, 0);

    [Fact]
    public void Today_InKathmandu_StartsAtLocalMidnight_1815Utc()
    {
        var today = ReportRanges.Resolve(DateRangeKind.Today, Kathmandu, Now);

        Assert.Equal(Instant.FromUtc(2026, 3, 30, 18, 15), today.From);
        Assert.Equal(Instant.FromUtc(2026, 3, 31, 18, 15), today.To);
        Assert.Equal(new LocalDate(2026, 3, 31), today.FirstDay);
    }

    [Fact]
    public void Today_IsTheOwnersDay_NotUtcs()
        => Assert.Equal(new LocalDate(2026, 3, 30), ReportRanges.Resolve(DateRangeKind.Today, NewYork, Now).FirstDay);

    [Theory]
    [InlineData("7d", 7)]
    [InlineData("28d", 28)]
    [InlineData("30d", 30)]
    [InlineData("yesterday", 1)]
    public void NDays_HoldNLocalDaysEndingToday(string name, int days)
    {
        var range = ReportRanges.Resolve(ReportRanges.Parse(name), Kathmandu, Now);

        Assert.Equal(days, Period.Between(range.FirstDay!.Value, range.LastDay!.Value, PeriodUnits.Days).Days + 1);
        Assert.Equal(name == "yesterday" ? new LocalDate(2026, 3, 30) : new LocalDate(2026, 3, 31), range.LastDay);
    }

    [Fact]
    public void SevenDays_AcrossSpringForward_Are167HoursLong()
    {
        // New York moved its clocks on Sunday 2026-03-08: the week containing it has one 23-hour day.
        var range = ReportRanges.Resolve(DateRangeKind.Last7Days, NewYork, Instant.FromUtc(2026, 3, 10, 12, 0));

        Assert.Equal(Duration.FromHours((7 * 24) - 1), range.Length);
    }

    [Theory]
    [InlineData("month", "2026-03-01", "2026-03-31")]
    [InlineData("last_month", "2026-02-01", "2026-02-28")]
    [InlineData("6mo", "2025-10-01", "2026-03-31")]
    [InlineData("12mo", "2025-04-01", "2026-03-31")]
    [InlineData("year", "2026-01-01", "2026-03-31")]
    public void CalendarRanges_AreMonthAlignedAndEndToday(string name, string first, string last)
    {
        var range = ReportRanges.Resolve(ReportRanges.Parse(name), Kathmandu, Now);

        Assert.Equal((LocalDate.FromDateTime(DateTime.Parse(first, System.Globalization.CultureInfo.InvariantCulture)), LocalDate.FromDateTime(DateTime.Parse(last, System.Globalization.CultureInfo.InvariantCulture))), (range.FirstDay!.Value, range.LastDay!.Value));
    }

    [Fact]
    public void All_StartsAtTheFirstEvent()
        => Assert.Equal(new LocalDate(2024, 2, 29), ReportRanges.Resolve(DateRangeKind.All, Kathmandu, Now, firstEvent: new LocalDate(2024, 2, 29)).FirstDay);

    [Fact]
    public void CustomDates_AreInclusive_AndABackwardsRangeIsRefusedNamingTheField()
    {
        var range = ReportRanges.Resolve(DateRangeKind.CustomDates, NewYork, Now, new LocalDate(2026, 11, 1), new LocalDate(2026, 11, 1));
        Assert.Equal(Duration.FromHours(25), range.Length); // the fall-back day

        var backwards = Assert.Throws<FieldValidationException>(() => ReportRanges.Resolve(DateRangeKind.CustomDates, NewYork, Now, new LocalDate(2026, 2, 2), new LocalDate(2026, 2, 1)));
        Assert.Equal("to", backwards.Field);
        Assert.Equal("from", Assert.Throws<FieldValidationException>(() => ReportRanges.Resolve(DateRangeKind.CustomDates, NewYork, Now, null, new LocalDate(2026, 2, 1))).Field);
        Assert.Equal("date_range", Assert.Throws<FieldValidationException>(() => ReportRanges.Parse("fortnight")).Field);
    }

    [Fact]
    public void Previous_OfSevenDays_IsTheSevenDaysBefore()
    {
        var range = ReportRanges.Resolve(DateRangeKind.Last7Days, Kathmandu, Now);

        var previous = ReportRanges.Previous(range, Kathmandu, DateRangeKind.Last7Days);

        Assert.Equal((new LocalDate(2026, 3, 18), new LocalDate(2026, 3, 24)), (previous.FirstDay!.Value, previous.LastDay!.Value));
        Assert.Equal(range.From, previous.To);
    }

    [Fact]
    public void Previous_OfMonthToDate_IsTheSameDaysOfTheMonthBefore_CutAtItsEnd()
    {
        var range = ReportRanges.Resolve(DateRangeKind.MonthToDate, Kathmandu, Now); // 1 to 31 March

        var previous = ReportRanges.Previous(range, Kathmandu, DateRangeKind.MonthToDate);

        Assert.Equal((new LocalDate(2026, 2, 1), new LocalDate(2026, 2, 28)), (previous.FirstDay!.Value, previous.LastDay!.Value));
    }

    [Fact]
    public void YearBefore_MovesTheLocalDays_LeapDayToThe28th()
    {
        var range = ReportRanges.Days(Kathmandu, new LocalDate(2028, 2, 29), new LocalDate(2028, 3, 1));

        var before = ReportRanges.YearBefore(range, Kathmandu);

        Assert.Equal((new LocalDate(2027, 2, 28), new LocalDate(2027, 3, 1)), (before.FirstDay!.Value, before.LastDay!.Value));
    }

    [Fact]
    public void Instants_ArePassedThrough_AndAnEmptyRangeIsRefused()
    {
        var range = ReportRanges.Instants(Instant.FromUtc(2026, 1, 1, 10, 7), Instant.FromUtc(2026, 1, 1, 11, 0));
        Assert.Null(range.FirstDay);
        Assert.Equal(Instant.FromUtc(2026, 1, 1, 9, 14), ReportRanges.Previous(range, Kathmandu, DateRangeKind.CustomInstants).From);
        Assert.Throws<FieldValidationException>(() => ReportRanges.Instants(range.To, range.From));
    }
}

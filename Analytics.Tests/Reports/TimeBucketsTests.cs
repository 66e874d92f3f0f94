using Analytics.Api.Reports;
using NodaTime;

namespace Analytics.Tests.Reports;

public sealed class TimeBucketsTests
{
    private static DateTimeZone Zone(string id) => DateTimeZoneProviders.Tzdb[id];

    private static IReadOnlyList<TimeBucket> Hours(string zone, int year, int month, int day)
        => TimeBuckets.Split(ReportRanges.Days(Zone(zone), new LocalDate(year, month, day), new LocalDate(year, month, day)), Zone(zone), TimeInterval.Hour);

    [Theory]
    [InlineData("America/New_York", 2026, 3, 8, 23)]   // spring forward: 02:00 does not happen
    [InlineData("America/New_York", 2026, 11, 1, 25)]  // fall back: 01:00 happens twice
    [InlineData("Europe/London", 2026, 3, 29, 23)]
    [InlineData("Asia/Kathmandu", 2026, 3, 29, 24)]
    [InlineData("Australia/Lord_Howe", 2026, 10, 4, 24)] // 30 minutes forward: hour 02 lasts half an hour
    [InlineData("Australia/Lord_Howe", 2026, 4, 5, 25)]  // 30 minutes back: hour 01 comes twice, once for 30 minutes
    [InlineData("Pacific/Chatham", 2026, 9, 27, 24)]     // 02:45 jumps to 03:45: hour 02 lasts 45 minutes, hour 03 15
    public void LocalHoursOfADstDay_AreExact(string zone, int year, int month, int day, int count)
    {
        var hours = Hours(zone, year, month, day);

        Assert.Equal(count, hours.Count);
        AssertContiguousOnTheRollupGrid(hours);
    }

    [Fact]
    public void RepeatedHour_IsTwoBucketsWithTheSameLabelAndDifferentOffsets()
    {
        var hours = Hours("America/New_York", 2026, 11, 1);

        var ones = hours.Where(h => h.Label.Hour == 1).ToList();
        Assert.Equal(2, ones.Count);
        Assert.Equal([Offset.FromHours(-4), Offset.FromHours(-5)], ones.Select(h => h.Offset));
        Assert.All(ones, h => Assert.Equal(Duration.FromHours(1), h.To - h.From));
    }

    [Fact]
    public void Chatham_QuarterPastJump_SplitsTwoHours_DayLasts23Hours()
    {
        var hours = Hours("Pacific/Chatham", 2026, 9, 27);

        Assert.Equal(Duration.FromMinutes(45), hours.Single(h => h.Label.Hour == 2).To - hours.Single(h => h.Label.Hour == 2).From);
        Assert.Equal(Duration.FromMinutes(15), hours.Single(h => h.Label.Hour == 3).To - hours.Single(h => h.Label.Hour == 3).From);
        Assert.Equal(Duration.FromHours(23), hours[^1].To - hours[0].From);
    }

    [Fact]
    public void LordHowe_HalfHourJump_MakesAThirtyMinuteHour()
    {
        var hours = Hours("Australia/Lord_Howe", 2026, 10, 4);

        var two = hours.Single(h => h.Label.Hour == 2);
        Assert.Equal(Duration.FromMinutes(30), two.To - two.From);
        Assert.Equal(Duration.FromHours(23.5), hours[^1].To - hours[0].From);
    }

    [Theory]
    [InlineData("Asia/Kathmandu", 18, 15)]
    [InlineData("Australia/Eucla", 15, 15)]
    [InlineData("America/St_Johns", 3, 30)]
    public void DaysInOddOffsetZones_StartAtLocalMidnight(string zone, int utcHour, int utcMinute)
    {
        var range = ReportRanges.Days(Zone(zone), new LocalDate(2026, 1, 10), new LocalDate(2026, 1, 16));

        var days = TimeBuckets.Split(range, Zone(zone), TimeInterval.Day);

        Assert.Equal(7, days.Count);
        Assert.All(days, d => Assert.Equal((utcHour, utcMinute), (d.From.InUtc().Hour, d.From.InUtc().Minute)));
        Assert.Equal(new LocalDate(2026, 1, 10).AtMidnight(), days[0].Label);
    }

    [Theory]
    [InlineData(IsoDayOfWeek.Monday, 6)]   // 1 March 2026 is a Sunday: the first week is clipped to one day
    [InlineData(IsoDayOfWeek.Sunday, 5)]
    [InlineData(IsoDayOfWeek.Saturday, 5)]
    public void Weeks_StartOnTheOwnersDay_AndEdgesAreClipped(IsoDayOfWeek start, int count)
    {
        var zone = Zone("Europe/Berlin");
        var range = ReportRanges.Days(zone, new LocalDate(2026, 3, 1), new LocalDate(2026, 3, 31));

        var weeks = TimeBuckets.Split(range, zone, TimeInterval.Week, start);

        Assert.Equal(count, weeks.Count);
        Assert.Equal(new LocalDate(2026, 3, 1).AtMidnight(), weeks[0].Label); // a cut week is named by the range's first day, as Plausible names it
        Assert.Equal(range.From, weeks[0].From);
        Assert.All(weeks.Skip(1), w => Assert.Equal(start, w.Label.DayOfWeek));
        AssertContiguousOnTheRollupGrid(weeks);
    }

    [Fact]
    public void Months_OfTwelveMonthsToDate_AreTwelve_LastOneToDate()
    {
        var zone = Zone("Pacific/Chatham");
        var range = ReportRanges.Resolve(DateRangeKind.Last12Months, zone, Instant.FromUtc(2026, 11, 22, 0, 0));

        var months = TimeBuckets.Split(range, zone, TimeInterval.Month);

        Assert.Equal(12, months.Count);
        Assert.Equal(new LocalDateTime(2025, 12, 1, 0, 0), months[0].Label);
        Assert.Equal(new LocalDateTime(2026, 11, 1, 0, 0), months[^1].Label);
        AssertContiguousOnTheRollupGrid(months);
    }

    [Theory]
    [InlineData("today", TimeInterval.Hour)]
    [InlineData("30d", TimeInterval.Day)]
    [InlineData("6mo", TimeInterval.Week)]
    [InlineData("all", TimeInterval.Month)]
    public void Natural_PicksAReadableInterval(string name, TimeInterval expected)
    {
        var zone = Zone("UTC");
        var range = ReportRanges.Resolve(ReportRanges.Parse(name), zone, Instant.FromUtc(2026, 11, 22, 12, 0), firstEvent: new LocalDate(2023, 1, 1));

        Assert.Equal(expected, TimeBuckets.Natural(range));
    }

    [Fact]
    public void EveryZone_EveryTransitionFrom2024To2027_LocalHoursTileTheDayOnTheRollupGrid()
    {
        // The whole design rests on this: local hours and days in every zone are whole sets of 15-minute UTC buckets.
        var transitions = 0;
        foreach (var id in DateTimeZoneProviders.Tzdb.Ids)
        {
            var zone = DateTimeZoneProviders.Tzdb[id];
            var start = Instant.FromUtc(2024, 1, 1, 0, 0);
            var end = Instant.FromUtc(2028, 1, 1, 0, 0);
            foreach (var interval in zone.GetZoneIntervals(start, end).Skip(1))
            {
                var day = interval.Start.InZone(zone).Date;
                var range = ReportRanges.Days(zone, day, day);
                var hours = TimeBuckets.Split(range, zone, TimeInterval.Hour);
                AssertContiguousOnTheRollupGrid(hours);
                Assert.Equal(range.From, hours[0].From);
                Assert.Equal(range.To, hours[^1].To);
                Assert.True(hours.Count is >= 22 and <= 26, $"{id} {day}: {hours.Count} hours"); // Antarctica/Troll moves its clocks by 2 hours
                transitions++;
            }

            Assert.Equal(0, zone.GetUtcOffset(start).Seconds % 900);
        }

        Assert.True(transitions > 500, $"{transitions} transitions");
    }

    /// <summary>Buckets tile the range without gaps, and every boundary is a 15-minute UTC rollup boundary.</summary>
    private static void AssertContiguousOnTheRollupGrid(IReadOnlyList<TimeBucket> buckets)
    {
        for (var i = 0; i < buckets.Count; i++)
        {
            Assert.True(buckets[i].To > buckets[i].From);
            Assert.Equal(0, buckets[i].From.ToUnixTimeSeconds() % 900);
            if (i > 0)
            {
                Assert.Equal(buckets[i - 1].To, buckets[i].From);
            }
        }
    }
}

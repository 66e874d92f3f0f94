namespace Analytics.Properties;

/// <summary>
/// A tracked website. <see cref="Timezone"/> is an IANA zone id: every date range of its reports is in it, and weekly
/// reports start on <see cref="WeekStart"/> (ISO: 1 = Monday ... 7 = Sunday).
/// </summary>
public sealed record Property(long Id, string Domain, string Name, string Timezone, DateTime CreatedAt, short WeekStart)
{
    public NodaTime.DateTimeZone Zone => NodaTime.DateTimeZoneProviders.Tzdb[Timezone];

    public NodaTime.IsoDayOfWeek FirstDayOfWeek => (NodaTime.IsoDayOfWeek)WeekStart;
}

namespace Analytics.Storage.Properties;

/// <summary>
/// A tracked website. <see cref="Timezone"/> is an IANA zone id: every date range of its reports is in it, and weekly
/// reports start on <see cref="WeekStart"/> (ISO: 1 = Monday ... 7 = Sunday). Privacy controls: events are kept only
/// from <see cref="AllowedHostnames"/> when there are any, for <see cref="RetentionDays"/> days when set, and not at all
/// from browsers sending Do Not Track or Global Privacy Control when <see cref="HonorDoNotTrack"/>, and not from the
/// addresses, pages and countries of its <see cref="Shields"/> (each list as stored, one entry per line). A public
/// property's dashboard is open to anyone (<see cref="SharedLinkStore"/>). <see cref="DayZone"/> is the zone of its rollups'
/// days: its time zone when it was added (schema/postgres/0018).
/// </summary>
public sealed record Property(long Id, string Domain, string Name, string Timezone, DateTime CreatedAt, short WeekStart,
    string AllowedHostnameList, int? RetentionDays, bool HonorDoNotTrack, string ExcludedIpList = "", string ExcludedPageList = "", string ExcludedCountryList = "", bool IsPublic = false, string DayZone = "UTC")
{
    /// <summary>The hostnames whose events are kept (<see cref="AllowedHostnameList"/>, comma-separated, as stored); empty: any.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string[] AllowedHostnames { get; } = AllowedHostnameList.Split(',', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>True when events from this hostname are kept: any, when no hostname is listed; "*.example.com" matches its subdomains.</summary>
    public bool AllowsHostname(string hostname)
    {
        if (AllowedHostnames.Length == 0)
        {
            return true;
        }

        var host = hostname.TrimEnd('.');
        foreach (var allowed in AllowedHostnames)
        {
            if (allowed.StartsWith("*.", StringComparison.Ordinal)
                ? host.EndsWith(allowed[1..], StringComparison.OrdinalIgnoreCase)
                : host.Equals(allowed, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The traffic the owner keeps out.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Shields Shields { get; } = Shields.Of(Lines(ExcludedIpList), Lines(ExcludedPageList), Lines(ExcludedCountryList));

    private static string[] Lines(string list) => list.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [System.Text.Json.Serialization.JsonIgnore]
    public NodaTime.DateTimeZone Zone => NodaTime.DateTimeZoneProviders.Tzdb[Timezone];

    /// <summary>
    /// The zone its events' days are stamped in (<see cref="DayZone"/>), which its rollups' days are: looked up once, as
    /// collect stamps every event with it.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public NodaTime.DateTimeZone Days { get; } = NodaTime.DateTimeZoneProviders.Tzdb[DayZone];

    [System.Text.Json.Serialization.JsonIgnore]
    public NodaTime.IsoDayOfWeek FirstDayOfWeek => (NodaTime.IsoDayOfWeek)WeekStart;
}

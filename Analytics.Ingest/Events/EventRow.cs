using Analytics.Storage.ClickHouse.Catalog;

namespace Analytics.Ingest.Events;

/// <summary>One row of the raw <c>events</c> table, as written in JSONEachRow (snake_case column names).</summary>
public sealed record EventRow
{
    public required ulong PropertyId { get; init; }

    public required DateTime Timestamp { get; init; }

    /// <summary>
    /// The zone of the property's rollup days (<see cref="Analytics.Storage.Properties.Property.Days"/>), in which
    /// <see cref="Day"/> and <see cref="SessionDay"/> are stamped on the row. Every row needs it (not C#'s required
    /// member, which JSON serialization would then ask for): writing a row without it throws.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public NodaTime.DateTimeZone DayZone { get; init; } = null!;

    /// <summary>The local day of <see cref="Timestamp"/> in <see cref="DayZone"/>: the daily rollup's day of the event.</summary>
    public DateOnly Day => LocalDay(Timestamp);

    public required string Name { get; init; }

    public required ulong VisitorId { get; init; }

    /// <summary>The visit's id, derived from the visitor and the visit's start as the table derives it (<see cref="SessionIds"/>): not written.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ulong SessionId => SessionIds.Of(VisitorId, SessionStart);

    public DateTime SessionStart { get; init; }

    /// <summary>The local day of <see cref="SessionStart"/> in <see cref="DayZone"/>: the daily rollup's day of the visit.</summary>
    public DateOnly SessionDay => LocalDay(SessionStart);

    /// <summary>1 on the first event of its session (a visit starts).</summary>
    public byte SessionFirst { get; init; }

    /// <summary>+1 on a session's first pageview, -1 on its second, 0 otherwise: the sum is 1 for a bounce.</summary>
    public sbyte BounceDelta { get; init; }

    /// <summary>Milliseconds since the session's previous event other than engagement (0 on engagement): the sum is the session's duration.</summary>
    public uint DurationDeltaMs { get; init; }

    /// <summary>1 on a session's first engagement event on a page: the sum is the visits with engagement on it (time on page and scroll depth average over those).</summary>
    public byte EngagedFirst { get; init; }

    /// <summary>On an engagement event, how much deeper than before in the session it scrolled the page: the sum is the session's deepest scroll there.</summary>
    public byte ScrollGain { get; init; }

    /// <summary>The session's entry page: the path of its first event, stamped on each of its events.</summary>
    public string EntryPage { get; init; } = string.Empty;

    public string Hostname { get; init; } = string.Empty;

    public string Pathname { get; init; } = "/";

    public string Referrer { get; init; } = string.Empty;

    public string ReferrerSource { get; init; } = string.Empty;

    public string UtmSource { get; init; } = string.Empty;

    public string UtmMedium { get; init; } = string.Empty;

    public string UtmCampaign { get; init; } = string.Empty;

    public string UtmContent { get; init; } = string.Empty;

    public string UtmTerm { get; init; } = string.Empty;

    public string ClickIdParam { get; init; } = string.Empty;

    /// <summary>The visit's acquisition channel ("Organic Search", "Direct"...), from its first event's source, UTM tags and click id.</summary>
    public string Channel { get; init; } = string.Empty;

    public string CountryCode { get; init; } = string.Empty;

    public string Region { get; init; } = string.Empty;

    public string City { get; init; } = string.Empty;

    public string Browser { get; init; } = string.Empty;

    public string BrowserVersion { get; init; } = string.Empty;

    public string Os { get; init; } = string.Empty;

    public string OsVersion { get; init; } = string.Empty;

    public string DeviceType { get; init; } = string.Empty;

    public string ScreenSize { get; init; } = string.Empty;

    public string Locale { get; init; } = string.Empty;

    public IReadOnlyDictionary<string, string> Props { get; init; } = EmptyProps;

    public decimal RevenueAmount { get; init; }

    public string RevenueCurrency { get; init; } = string.Empty;

    public byte ScrollDepth { get; init; }

    public uint EngagementMs { get; init; }

    public string PageTitle { get; init; } = string.Empty;

    public string ContentType { get; init; } = string.Empty;

    public string Author { get; init; } = string.Empty;

    public IReadOnlyList<string> Categories { get; init; } = [];

    public IReadOnlyList<string> Tags { get; init; } = [];

    private DateOnly LocalDay(DateTime utc) => DayZone switch
    {
        null => throw new InvalidOperationException($"An event of property {PropertyId} has no zone of days (EventRow.DayZone)."),
        _ when utc <= DateTime.UnixEpoch => UnixDay, // no time (a row without its visit): ClickHouse's first Date
        var zone => NodaTime.Instant.FromUnixTimeTicks(utc.Ticks - DateTime.UnixEpoch.Ticks).InZone(zone).Date.ToDateOnly(),
    };

    private static readonly DateOnly UnixDay = DateOnly.FromDateTime(DateTime.UnixEpoch);

    private static readonly IReadOnlyDictionary<string, string> EmptyProps = new Dictionary<string, string>();
}

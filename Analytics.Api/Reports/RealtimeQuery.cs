using Analytics.Storage.ClickHouse;
using NodaTime;

namespace Analytics.Api.Reports;

/// <summary>Current visitors and the last 30 minutes, minute by minute, from the raw events that pass a filter (the dashboard's).</summary>
public sealed class RealtimeQuery(IClickHouse clickHouse)
{
    /// <summary>"Current" means seen in the last 5 minutes.</summary>
    public static readonly Duration CurrentWindow = Duration.FromMinutes(5);

    public async Task<Realtime> ReadAsync(long propertyId, Instant now, CancellationToken cancellationToken, Filter? filter = null)
    {
        var end = now + Duration.FromMilliseconds(1); // ranges are [from, to): an event of this very millisecond counts
        var current = await CountAsync(propertyId, now - CurrentWindow, end, filter, byMinute: false, cancellationToken);
        var minutes = await CountAsync(propertyId, now - Duration.FromMinutes(30), end, filter, byMinute: true, cancellationToken);
        var byMinute = minutes.ToDictionary(m => m.Minute);
        var first = now.ToDateTimeUtc().AddMinutes(-29);
        first = new DateTime(first.Year, first.Month, first.Day, first.Hour, first.Minute, 0, DateTimeKind.Utc);
        var all = Enumerable.Range(0, 30).Select(i => first.AddMinutes(i)).Select(m => byMinute.GetValueOrDefault(m) ?? new RealtimeMinute(m, 0, 0)).ToList();
        return new Realtime(current.Count > 0 ? current[0].Visitors : 0, all);
    }

    private async Task<IReadOnlyList<RealtimeMinute>> CountAsync(long propertyId, Instant from, Instant to, Filter? filter, bool byMinute, CancellationToken cancellationToken)
    {
        var sql = new ReportSql(Query(propertyId, from, to, filter));
        return await clickHouse.QueryAsync<RealtimeMinute>(sql.Minutes(filter, byMinute), sql.Parameters, cancellationToken: cancellationToken);
    }

    private static ReportQuery Query(long propertyId, Instant from, Instant to, Filter? filter) => new()
    {
        PropertyId = propertyId,
        Zone = DateTimeZone.Utc,
        DayZone = DateTimeZone.Utc, // raw events alone
        Range = new ReportRange(from, to, null, null),
        Metrics = [Metric.Visitors],
        Filter = filter,
        Source = ReportSource.Raw,
    };
}

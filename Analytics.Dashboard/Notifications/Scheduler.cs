using System.Text.Json.Nodes;
using Analytics.Api.Reports;
using Analytics.Storage.Notifications;
using Analytics.Storage.Properties;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;
using Npgsql;

namespace Analytics.Dashboard.Notifications;

/// <summary>
/// The deployment's one scheduler. Every dashboard process runs this service, and the one holding a PostgreSQL advisory
/// lock (kept on a connection of its own: it passes to another replica when that process stops or dies) does the work,
/// every <see cref="SchedulerOptions.IntervalSeconds"/>: it plans the reports that are due (one delivery per report and
/// scheduled time, whoever plans it), fires the traffic alerts whose condition holds outside their quiet hours, and
/// sends what is due. What a runner that died was sending goes back to the queue when the next one takes over.
/// </summary>
public sealed class Scheduler(NpgsqlDataSource dataSource, NotificationStore store, PropertyStore properties, Deliverer deliverer, ReportEngine engine, RealtimeQuery realtime,
    SchedulerOptions options, TimeProvider time, ILogger<Scheduler> logger) : BackgroundService
{
    /// <summary>The advisory lock's key ("schedule" in ASCII; the migrations' lock is another).</summary>
    private const long LockKey = 0x7363686564756c65;

    /// <summary>How many days before the day a drop alert checks make its usual day.</summary>
    public const int UsualDays = 28;

    /// <summary>A drop alert says nothing for a property whose usual day has fewer visitors than this: too few to call a drop.</summary>
    public const double LeastUsualVisitors = 10;

    private NpgsqlConnection? _lock;

    /// <summary>The drop alerts checked for a local day already (each is checked once a day).</summary>
    private readonly HashSet<(long Alert, LocalDate Day)> _dropsChecked = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.IntervalSeconds));
        try
        {
            do
            {
                try
                {
                    await TickAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "The scheduler's round failed; it tries again in {Seconds} s.", options.IntervalSeconds);
                    await LetGoAsync();
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        finally
        {
            await LetGoAsync();
        }
    }

    /// <summary>One round: when this process runs the scheduler, plan due reports, check alerts and send what is due.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        if (!await LeadAsync(cancellationToken))
        {
            return;
        }

        var now = time.GetUtcNow().UtcDateTime;
        await PlanReportsAsync(now, cancellationToken);
        await CheckAlertsAsync(now, cancellationToken);
        while (await store.ClaimAsync(20, TimeSpan.FromMinutes(10), cancellationToken) is { Count: > 0 } due)
        {
            foreach (var delivery in due)
            {
                await deliverer.DeliverAsync(delivery, cancellationToken);
            }
        }
    }

    /// <summary>Whether this process runs the scheduler: it holds the lock, or takes it now (and requeues what the last runner left).</summary>
    private async Task<bool> LeadAsync(CancellationToken cancellationToken)
    {
        if (_lock is not null)
        {
            await using var alive = new NpgsqlCommand("SELECT 1", _lock);
            await alive.ExecuteScalarAsync(cancellationToken); // throws when the connection, and with it the lock, is gone
            return true;
        }

        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection))
        {
            take.Parameters.AddWithValue("key", LockKey);
            if (await take.ExecuteScalarAsync(cancellationToken) is not true)
            {
                await connection.DisposeAsync();
                return false;
            }
        }

        _lock = connection;
        var requeued = await store.RequeueInterruptedAsync(cancellationToken);
        logger.LogInformation("This process runs the scheduler of reports and alerts{Requeued}.", requeued > 0 ? $"; {requeued} interrupted deliveries go out again" : string.Empty);
        return true;
    }

    private async Task LetGoAsync()
    {
        if (_lock is { } connection)
        {
            _lock = null;
            try
            {
                // Released here: a pooled connection's session (and its locks) outlives Dispose until the pool reuses it.
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
                release.Parameters.AddWithValue("key", LockKey);
                await release.ExecuteScalarAsync(CancellationToken.None);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // The connection is gone, and the lock with its session.
            }

            await connection.DisposeAsync();
        }
    }

    private async Task PlanReportsAsync(DateTime now, CancellationToken cancellationToken)
    {
        var sites = new Dictionary<long, Property?>();
        foreach (var report in await store.ListReportsAsync(null, cancellationToken))
        {
            if (!sites.TryGetValue(report.PropertyId, out var property))
            {
                property = sites[report.PropertyId] = await properties.FindAsync(report.PropertyId, cancellationToken);
            }

            if (property is null || ReportSchedule.LastDue(report, property, now, options.ReportHour) is not { } occasion)
            {
                continue;
            }

            await store.EnqueueAsync(property.Id, $"report:{report.Id}", occasion, "email", report.Email, Subject(report.Every, occasion, property), Facts(report, occasion, property), cancellationToken);
        }
    }

    /// <summary>What the delivery log says a report is: "weekly report, 23 Nov – 29 Nov 2026".</summary>
    public static string Subject(string every, DateTime occasion, Property property)
    {
        var (first, last) = ReportSchedule.Days(every, occasion, property.Zone);
        return $"{(every == "month" ? "monthly" : "weekly")} report, {Format.Range(ReportRanges.Days(property.Zone, first, last))}";
    }

    /// <summary>What a report's delivery is rendered from when it is sent.</summary>
    public static string Facts(EmailReport? report, DateTime occasion, Property property, string? every = null)
    {
        every ??= report!.Every;
        var (first, last) = ReportSchedule.Days(every, occasion, property.Zone);
        return new JsonObject
        {
            ["type"] = "report",
            ["every"] = every,
            ["first"] = first.ToString("yyyy-MM-dd", null),
            ["last"] = last.ToString("yyyy-MM-dd", null),
            ["token"] = report?.UnsubscribeToken,
        }.ToJsonString();
    }

    private async Task CheckAlertsAsync(DateTime now, CancellationToken cancellationToken)
    {
        var instant = Instant.FromDateTimeUtc(now);
        foreach (var group in (await store.ListAlertsAsync(null, cancellationToken)).GroupBy(a => a.PropertyId))
        {
            if (await properties.FindAsync(group.Key, cancellationToken) is not { } property)
            {
                continue;
            }

            ulong? current = null;
            foreach (var alert in group)
            {
                if (alert.Kind == "spike")
                {
                    current ??= (await realtime.ReadAsync(property.Id, instant, cancellationToken)).Visitors;
                    if (current > (ulong)alert.Threshold)
                    {
                        var facts = new JsonObject { ["type"] = "alert", ["kind"] = "spike", ["visitors"] = current, ["threshold"] = alert.Threshold };
                        await store.FireAlertAsync(alert, now, $"spike: {current} current visitors", facts.ToJsonString(), cancellationToken);
                    }

                    continue;
                }

                var today = instant.InZone(property.Zone).Date;
                if (!_dropsChecked.Add((alert.Id, today)))
                {
                    continue;
                }

                var (visitors, usual) = await DayAndUsualAsync(property, today.PlusDays(-1), cancellationToken);
                if (usual >= LeastUsualVisitors && visitors < usual * alert.Threshold / 100)
                {
                    var occasion = today.AtStartOfDayInZone(property.Zone).ToDateTimeUtc();
                    var facts = new JsonObject { ["type"] = "alert", ["kind"] = "drop", ["visitors"] = visitors, ["usual"] = usual, ["threshold"] = alert.Threshold, ["day"] = today.PlusDays(-1).ToString("yyyy-MM-dd", null) };
                    await store.FireAlertAsync(alert, occasion, $"drop: {visitors} visitors on {today.PlusDays(-1):yyyy-MM-dd}", facts.ToJsonString(), cancellationToken);
                }
            }
        }

        _dropsChecked.RemoveWhere(c => c.Day < instant.InUtc().Date.PlusDays(-2));
    }

    /// <summary>
    /// A day's visitors, and the usual day's: the average over the <see cref="UsualDays"/> days before it (days without
    /// visitors count as 0).
    /// </summary>
    public async Task<(double Day, double Usual)> DayAndUsualAsync(Property property, LocalDate day, CancellationToken cancellationToken)
    {
        var result = await engine.RunAsync(new ReportQuery
        {
            PropertyId = property.Id,
            Zone = property.Zone,
            DayZone = property.Days,
            Range = ReportRanges.Days(property.Zone, day.PlusDays(-UsualDays), day),
            Metrics = [Metric.Visitors],
            Dimensions = [Dimension.Time(TimeInterval.Day)],
        }, cancellationToken);
        var byDay = result.Rows.ToDictionary(r => r.Dimensions[0], r => r.Metrics[0]);
        var values = result.TimeBuckets.Select(b => byDay.GetValueOrDefault(TimeBuckets.LabelText(b, TimeInterval.Day))).ToList();
        return (values[^1], values.Take(values.Count - 1).Sum() / UsualDays);
    }
}

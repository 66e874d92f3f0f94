using Analytics.Storage.ClickHouse;
using Analytics.Storage.ClickHouse.Migrations;
using Analytics.Storage.Funnels;
using Analytics.Storage.Goals;
using Analytics.Ingest.Demo;
using Analytics.Storage.Properties;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace Analytics.Ingest.Demo;

/// <summary>
/// For <c>serve --demo</c>: makes sure the demo property exists with 90 days of history, then keeps adding live
/// generated visits every few seconds so the realtime view moves. Only events whose time has come are written.
/// </summary>
internal sealed class DemoTrafficService(PropertyStore properties, GoalStore goals, FunnelStore funnels, IClickHouse clickHouse, ILogger<DemoTrafficService> logger, ClickHouseUpgrade? upgrade = null) : BackgroundService
{
    public const string Domain = "demo.example.com";
    public const string Timezone = "Europe/Berlin";
    private const int Seed = 20261122;
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (upgrade is not null && !await upgrade.WaitAsync(stoppingToken))
        {
            return; // its events go straight into ClickHouse: not while migrations run
        }

        try
        {
            var property = await properties.FindByDomainAsync(Domain, stoppingToken);
            if (property is null)
            {
                property = await properties.AddAsync(Domain, "Demo site", Timezone, null, stoppingToken);
                await AddGoalsAsync(property.Id, stoppingToken);
            }

            var now = SystemClock.Instance.GetCurrentInstant();
            var existing = await clickHouse.QueryAsync<CountRow>(
                "SELECT count() AS count FROM events WHERE property_id = {id:UInt64}", new { id = property.Id }, cancellationToken: stoppingToken);
            if (existing[0].Count == 0)
            {
                logger.LogInformation("Generating 90 days of demo traffic for {Domain} (property {Id})", Domain, property.Id);
                var history = new DemoTraffic((ulong)property.Id, Domain, Timezone, Seed) { DayZone = property.Days };
                var loaded = await DemoLoader.LoadAsync(clickHouse, history, now - Duration.FromDays(90), now, $"demo-history-{now.ToUnixTimeSeconds()}", _ => { }, stoppingToken);
                logger.LogInformation("Generated {Events} demo events in {Seconds:F1} s ({Rate:F0} events/s)", loaded.Events, loaded.Elapsed.TotalSeconds, loaded.EventsPerSecond);
            }

            await RunLiveAsync(property, now, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Goals of each kind the demo's visits complete, and a funnel of them, so those panels have something to show.</summary>
    private async Task AddGoalsAsync(long propertyId, CancellationToken cancellationToken)
    {
        await goals.AddAsync(propertyId, new GoalDefinition("Signup", null, Currency: "USD"), cancellationToken);
        await goals.AddAsync(propertyId, new GoalDefinition("File Download", null), cancellationToken);
        await goals.AddAsync(propertyId, new GoalDefinition(null, "/pricing"), cancellationToken);
        await goals.AddAsync(propertyId, new GoalDefinition(null, "/signup"), cancellationToken);
        await goals.AddAsync(propertyId, new GoalDefinition(null, "/blog/*", 75, "Read a post"), cancellationToken);
        await funnels.AddAsync(propertyId, "Pricing to signup", ["Visit /pricing", "Visit /signup", "Signup"], cancellationToken);
    }

    private async Task RunLiveAsync(Property property, Instant from, CancellationToken stoppingToken)
    {
        var live = new DemoTraffic((ulong)property.Id, Domain, Timezone, Seed + 1) { SessionsPerDay = 3_000, DayZone = property.Days };
        var pending = new List<Events.EventRow>();
        using var timer = new PeriodicTimer(Tick);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = SystemClock.Instance.GetCurrentInstant();
            pending.AddRange(live.Generate(from, now));
            from = now;
            var cutoff = now.ToDateTimeUtc();
            var due = pending.Where(e => e.Timestamp <= cutoff).ToList();
            pending.RemoveAll(e => e.Timestamp <= cutoff);
            if (due.Count == 0)
            {
                continue;
            }

            try
            {
                await clickHouse.InsertAsync("events", ClickHouseJson.Encode(due), cancellationToken: stoppingToken);
            }
            catch (ClickHouseException e)
            {
                logger.LogWarning(e, "Demo traffic could not be written; trying again on the next tick");
                pending.AddRange(due);
            }
        }
    }

    private sealed record CountRow(ulong Count);
}

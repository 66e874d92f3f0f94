using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Analytics.Storage.ClickHouse;
using Analytics.Ingest.Demo;
using NodaTime;

namespace Analytics.Tests.Infrastructure;

/// <summary>Deterministic demo traffic for several properties, each shaped by its own zone's day, loaded through the views.</summary>
internal static class GeneratedTraffic
{
    /// <summary>
    /// Each property's traffic from <paramref name="seedBase"/> plus its id: properties of one call differ. A property's
    /// events are stamped with their days in its <c>DayZone</c> (<see cref="Analytics.Storage.Properties.Property.Days"/>).
    /// </summary>
    public static async Task LoadAsync(IClickHouse clickHouse, IEnumerable<(ulong Id, string Zone, string DayZone)> properties, Instant from, Instant to, int sessionsPerDay, int visitorPool, int seedBase)
    {
        foreach (var (id, zone, dayZone) in properties)
        {
            await LoadOneAsync(clickHouse, id, zone, dayZone, from, to, sessionsPerDay, visitorPool, seedBase + (int)id);
        }
    }

    /// <summary>
    /// One property's traffic from <paramref name="seed"/> alone: the same whatever id the property got, so tests that
    /// ran before (and took ids) do not change it.
    /// </summary>
    public static async Task LoadOneAsync(IClickHouse clickHouse, ulong id, string zone, string dayZone, Instant from, Instant to, int sessionsPerDay, int visitorPool, int seed)
    {
        var traffic = new DemoTraffic(id, $"site{id}.example", zone, seed) { SessionsPerDay = sessionsPerDay, VisitorPool = visitorPool, DayZone = DateTimeZoneProviders.Tzdb[dayZone] };
        await DemoLoader.LoadAsync(clickHouse, traffic, from, to, $"generated-{seed}-{id}", _ => { }, CancellationToken.None);
    }

    /// <summary>
    /// As <see cref="LoadAsync"/>, into a database of an earlier schema, whose events table lacks columns added since
    /// (their days among them): as JSONEachRow, whose fields the table does not have ClickHouse skips. The properties'
    /// days are UTC days, as every property's were then. Each visit's id is one of its own, as the releases before
    /// 0026 stored (random there, a hash of the visit here), not the one derived now: an upgrade must derive them.
    /// </summary>
    public static async Task LoadIntoEarlierSchemaAsync(IClickHouse clickHouse, IEnumerable<(ulong Id, string Zone)> properties, Instant from, Instant to, int sessionsPerDay, int visitorPool, int seedBase)
    {
        var skip = new ClickHouseSettings { ["input_format_skip_unknown_fields"] = "1" };
        foreach (var (id, zone) in properties)
        {
            var traffic = new DemoTraffic(id, $"site{id}.example", zone, seedBase + (int)id) { SessionsPerDay = sessionsPerDay, VisitorPool = visitorPool, DayZone = DateTimeZone.Utc };
            foreach (var batch in traffic.Generate(from, to).Chunk(DemoLoader.BatchSize))
            {
                var lines = batch.Select(e =>
                {
                    var row = JsonSerializer.SerializeToNode(e, ClickHouseJson.Options)!.AsObject();
                    row["session_id"] = StoredId(e.VisitorId, e.SessionStart);
                    return row.ToJsonString();
                });
                await clickHouse.InsertAsync("events", Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"), skip);
            }
        }
    }

    /// <summary>A visit's id as a release before 0026 stored it: a number of its own, unrelated to the derived one.</summary>
    private static ulong StoredId(ulong visitorId, DateTime sessionStart)
        => BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"{visitorId}:{sessionStart.Ticks}"))) | 1;

    /// <summary>
    /// The rollups' visitors are <c>uniqCombined(13)</c> sketches: exact to 512 visitors, then estimates with a standard
    /// error of 0.7-0.9% up to 10,000 (measured on 100-200 sets of each size; the worst of them 3.1% off). Generated ids
    /// change daily, as collect's do, so a test's few weeks hold thousands and every comparison estimates: within 3.5%
    /// (four standard errors) and two. A wrong count (visits for visitors, a week left out) is further off than that.
    /// </summary>
    public static void AssertVisitorsClose(ulong exact, ulong estimate, string context = "")
        => Assert.True(Math.Abs((double)exact - estimate) <= Math.Max(2, exact * 0.035), $"{context}: uniq {estimate} vs exact {exact}");
}

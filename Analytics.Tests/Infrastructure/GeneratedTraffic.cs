using Analytics.Storage.ClickHouse;
using Analytics.Ingest.Demo;
using NodaTime;

namespace Analytics.Tests.Infrastructure;

/// <summary>Deterministic demo traffic for several properties, each shaped by its own zone's day, loaded through the views.</summary>
internal static class GeneratedTraffic
{
    /// <summary>Each property's traffic from <paramref name="seedBase"/> plus its id: properties of one call differ.</summary>
    public static async Task LoadAsync(IClickHouse clickHouse, IEnumerable<(ulong Id, string Zone)> properties, Instant from, Instant to, int sessionsPerDay, int visitorPool, int seedBase)
    {
        foreach (var (id, zone) in properties)
        {
            await LoadOneAsync(clickHouse, id, zone, from, to, sessionsPerDay, visitorPool, seedBase + (int)id);
        }
    }

    /// <summary>
    /// One property's traffic from <paramref name="seed"/> alone: the same whatever id the property got, so tests that
    /// ran before (and took ids) do not change it.
    /// </summary>
    public static async Task LoadOneAsync(IClickHouse clickHouse, ulong id, string zone, Instant from, Instant to, int sessionsPerDay, int visitorPool, int seed)
    {
        var traffic = new DemoTraffic(id, $"site{id}.example", zone, seed) { SessionsPerDay = sessionsPerDay, VisitorPool = visitorPool };
        await DemoLoader.LoadAsync(clickHouse, traffic, from, to, $"generated-{seed}-{id}", _ => { }, CancellationToken.None);
    }

    /// <summary>uniq is an approximate count: within 2% (and one) of the exact one at these sizes.</summary>
    public static void AssertVisitorsClose(ulong exact, ulong estimate, string context = "")
        => Assert.True(Math.Abs((double)exact - estimate) <= Math.Max(2, exact * 0.02), $"{context}: uniq {estimate} vs exact {exact}");
}

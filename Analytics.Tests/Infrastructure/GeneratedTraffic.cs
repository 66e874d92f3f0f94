using Analytics.Storage.ClickHouse;
using Analytics.Ingest.Demo;
using NodaTime;

namespace Analytics.Tests.Infrastructure;

/// <summary>Deterministic demo traffic for several properties, each shaped by its own zone's day, loaded through the views.</summary>
internal static class GeneratedTraffic
{
    public static async Task LoadAsync(IClickHouse clickHouse, IEnumerable<(ulong Id, string Zone)> properties, Instant from, Instant to, int sessionsPerDay, int visitorPool, int seedBase)
    {
        foreach (var (id, zone) in properties)
        {
            var traffic = new DemoTraffic(id, $"site{id}.example", zone, seedBase + (int)id) { SessionsPerDay = sessionsPerDay, VisitorPool = visitorPool };
            await DemoLoader.LoadAsync(clickHouse, traffic, from, to, $"generated-{seedBase}-{id}", _ => { }, CancellationToken.None);
        }
    }

    /// <summary>uniq is an approximate count: within 2% (and one) of the exact one at these sizes.</summary>
    public static void AssertVisitorsClose(ulong exact, ulong estimate, string context = "")
        => Assert.True(Math.Abs((double)exact - estimate) <= Math.Max(2, exact * 0.02), $"{context}: uniq {estimate} vs exact {exact}");
}

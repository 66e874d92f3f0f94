using System.Diagnostics;
using Analytics.ClickHouse;
using Analytics.Events;
using NodaTime;

namespace Analytics.Demo;

/// <summary>Writes generated traffic into ClickHouse in deduplicated batches, reporting progress.</summary>
public static class DemoLoader
{
    public const int BatchSize = 50_000;

    /// <summary>Loads [from, to) and returns the number of events written. Re-running with the same seed writes nothing twice.</summary>
    public static async Task<long> LoadAsync(IClickHouse clickHouse, DemoTraffic traffic, Instant from, Instant to, string batchPrefix, Action<string> progress, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var batch = new List<EventRow>(BatchSize);
        long written = 0;
        var batchNumber = 0;
        var lastReport = TimeSpan.Zero;
        foreach (var row in traffic.Generate(from, to))
        {
            batch.Add(row);
            if (batch.Count == BatchSize)
            {
                await FlushAsync();
            }
        }

        await FlushAsync();
        progress($"Generated {written:N0} events ({(to - from).TotalDays:0} days) in {stopwatch.Elapsed.TotalSeconds:0.0} s, {written / Math.Max(stopwatch.Elapsed.TotalSeconds, 0.001):N0} events/s.");
        return written;

        async Task FlushAsync()
        {
            if (batch.Count == 0)
            {
                return;
            }

            var last = batch[^1].Timestamp;
            await clickHouse.InsertAsync("events", ClickHouseJson.Encode(batch), ClickHouseSettings.Deduplicated($"{batchPrefix}-{batchNumber++}"), cancellationToken);
            written += batch.Count;
            batch.Clear();
            if (stopwatch.Elapsed - lastReport > TimeSpan.FromSeconds(1))
            {
                lastReport = stopwatch.Elapsed;
                var done = (Instant.FromDateTimeUtc(DateTime.SpecifyKind(last, DateTimeKind.Utc)) - from).TotalSeconds / (to - from).TotalSeconds;
                progress($"  {done,4:P0}  {written:N0} events");
            }
        }
    }
}
